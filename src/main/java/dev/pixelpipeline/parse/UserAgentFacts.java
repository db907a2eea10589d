package dev.pixelpipeline.parse;

/**
 * What the pipeline derives from a user agent.
 *
 * @param deviceClass {@code Desktop}, {@code Phone}, {@code Tablet}, {@code Robot} or
 * {@code Unknown}
 * @param agentName the browser or client, as ua-parser names it ({@code Chrome Mobile},
 * {@code Googlebot}, {@code Other} when unknown)
 * @param agentMajor its major version, or {@code null}
 * @param osName the operating system, as ua-parser names it ({@code iOS}, {@code Other})
 * @param bot whether it is a robot: a spider by ua-parser or a match of the bot patterns;
 * {@code null} when not classified (bot policy {@code keep})
 */
public record UserAgentFacts(String deviceClass, String agentName, String agentMajor, String osName, Boolean bot) {

	/** The same facts without the bot flag. */
	UserAgentFacts unclassified() {
		return new UserAgentFacts(this.deviceClass, this.agentName, this.agentMajor, this.osName, null);
	}

}
