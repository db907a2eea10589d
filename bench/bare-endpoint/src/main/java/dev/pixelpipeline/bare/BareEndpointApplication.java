package dev.pixelpipeline.bare;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The HTTP stack alone: reads a push body as pixel-pipeline does and answers 204, storing nothing. */
@SpringBootApplication
@RestController
public class BareEndpointApplication {

	public static void main(String[] args) {
		SpringApplication.run(BareEndpointApplication.class, args);
	}

	@PostMapping("/pubsub/push")
	ResponseEntity<Void> push(HttpServletRequest request) throws IOException {
		try (InputStream in = request.getInputStream()) {
			in.readNBytes(1024 * 1024 + 1);
		}
		return ResponseEntity.noContent().build();
	}

}
