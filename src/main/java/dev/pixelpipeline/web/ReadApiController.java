package dev.pixelpipeline.web;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import dev.pixelpipeline.config.ConditionalOnReadApi;
import dev.pixelpipeline.store.embedded.EmbeddedReads;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Read API over the embedded store, for the local page and for people trying the pipeline
 * on a laptop.
 */
@RestController
@ConditionalOnReadApi
@RequestMapping("/api")
class ReadApiController {

	private static final int MAX_LIMIT = 1000;

	private final EmbeddedReads reads;

	ReadApiController(EmbeddedReads reads) {
		this.reads = reads;
	}

	@GetMapping("/tables")
	List<EmbeddedReads.TableInfo> tables() throws SQLException {
		return this.reads.tables();
	}

	@GetMapping("/events")
	ResponseEntity<Object> events(@RequestParam(defaultValue = "50") int limit,
			@RequestParam(required = false) String table) throws SQLException {
		if (limit < 1 || limit > MAX_LIMIT) {
			return badLimit();
		}
		return ResponseEntity.ok(this.reads.events(limit, table));
	}

	@GetMapping("/bad-rows")
	ResponseEntity<Object> badRows(@RequestParam(defaultValue = "50") int limit) throws SQLException {
		if (limit < 1 || limit > MAX_LIMIT) {
			return badLimit();
		}
		return ResponseEntity.ok(this.reads.badRows(limit));
	}

	private static ResponseEntity<Object> badLimit() {
		return ResponseEntity.status(HttpStatus.BAD_REQUEST)
			.body(Map.of("error", "limit must be between 1 and " + MAX_LIMIT));
	}

}
