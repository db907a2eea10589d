package dev.pixelpipeline.web;

import dev.pixelpipeline.config.ConditionalOnReadApi;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The live local page at {@code /}: plain HTML, JS and CSS from
 * {@code classpath:/local-page/} (not a Boot static location, so that it is served only
 * while the read API it polls is on).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnReadApi
class LocalPageConfiguration implements WebMvcConfigurer {

	@Override
	public void addResourceHandlers(ResourceHandlerRegistry registry) {
		registry.addResourceHandler("/local-page/**").addResourceLocations("classpath:/local-page/");
	}

	@Override
	public void addViewControllers(ViewControllerRegistry registry) {
		registry.addViewController("/").setViewName("forward:/local-page/index.html");
	}

}
