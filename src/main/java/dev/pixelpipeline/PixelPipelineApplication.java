package dev.pixelpipeline;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The pixel pipeline service: Pub/Sub pushes of load balancer logs in, one row per pixel
 * hit out.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PixelPipelineApplication {

	public static void main(String[] args) {
		SpringApplication.run(PixelPipelineApplication.class, args);
	}

}
