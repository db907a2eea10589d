package dev.pixelpipeline.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pixelpipeline.config.PipelineProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The Spring environment of a container: its environment variables, exactly as a manifest
 * lists them, are the only system environment the application sees (relaxed binding
 * included: {@code SPRING_PROFILES_ACTIVE}, {@code PIPELINE_DEADLETTER_TOPIC}).
 */
public final class ContainerEnvironment {

	private ContainerEnvironment() {
	}

	/**
	 * A fresh environment whose system environment is the given variables and nothing
	 * else, for {@code SpringApplicationBuilder.environment(...)}.
	 */
	public static ConfigurableEnvironment of(Map<String, String> variables) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new LinkedHashMap<>(variables)));
		return environment;
	}

	/**
	 * How long the readiness check waits for BigQuery
	 * ({@code pipeline.bigquery.health-timeout}) in a container with these variables:
	 * application.yml, the profiles and config locations they name, and the variables
	 * themselves, as the application reads them at start-up (no bean is created).
	 */
	public static Duration bigQueryHealthTimeout(Map<String, String> variables) {
		SpringApplication application = new SpringApplication(Empty.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setRegisterShutdownHook(false);
		application.setEnvironment(of(variables));
		try (ConfigurableApplicationContext context = application.run()) {
			return Binder.get(context.getEnvironment())
				.bindOrCreate("pipeline.bigquery", PipelineProperties.BigQuery.class)
				.healthTimeout();
		}
	}

	/** No beans: only the environment is of interest. */
	@Configuration(proxyBeanMethods = false)
	static class Empty {

	}

}
