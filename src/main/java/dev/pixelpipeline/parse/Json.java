package dev.pixelpipeline.parse;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * The one JSON factory every decoder of outside input uses, with read limits far below
 * Jackson's defaults: a LogEntry is a few levels deep and a push body is at most 1 MiB,
 * so anything deeper or longer is hostile.
 */
public final class Json {

	/** The shared, thread-safe factory with the pipeline's read constraints. */
	public static final JsonFactory FACTORY = JsonFactory.builder()
		.streamReadConstraints(StreamReadConstraints.builder()
			.maxNestingDepth(32)
			.maxNumberLength(64)
			.maxNameLength(1024)
			.maxStringLength(2 * 1024 * 1024)
			.maxDocumentLength(4L * 1024 * 1024)
			.build())
		.build();

	private Json() {
	}

}
