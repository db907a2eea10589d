package dev.pixelpipeline;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;

import dev.pixelpipeline.support.RequiredTools;
import dev.pixelpipeline.support.TestTraffic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live local page in a real headless Chromium: it loads without console errors, and a
 * hit on the local pixel shows up on it by itself. Where no Chromium or chromedriver is
 * installed, {@link RequiredTools} fails it ({@code .ci/run}, which installs Debian's
 * {@code chromium} and {@code chromium-driver}) or skips it with the reason.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "pipeline.embedded.path=:memory:" })
class LocalPageIntegrationTests {

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	private static final List<Path> CHROMIUM = List.of(Path.of("/usr/bin/chromium"),
			Path.of("/usr/bin/chromium-browser"));

	@LocalServerPort
	int port;

	ChromeDriver browser;

	Path profile;

	@BeforeEach
	void startBrowser() throws IOException {
		Path chromium = CHROMIUM.stream().filter(Files::isExecutable).findFirst().orElse(null);
		RequiredTools.current()
			.check(chromium != null && Files.isExecutable(CHROMEDRIVER), "Chromium with chromedriver",
					"no Chromium (" + CHROMIUM + ") or no chromedriver (" + CHROMEDRIVER + ")",
					"apt-get install chromium chromium-driver (Debian)");
		this.profile = Files.createTempDirectory("pixel-page-chromium");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(chromium.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--window-size=1300,1000", "--user-data-dir=" + this.profile);
		LoggingPreferences logging = new LoggingPreferences();
		logging.enable(LogType.BROWSER, Level.ALL);
		options.setCapability("goog:loggingPrefs", logging);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		this.browser = new ChromeDriver(service, options);
	}

	@AfterEach
	void stopBrowser() throws IOException {
		if (this.browser != null) {
			this.browser.quit();
		}
		if (this.profile != null) {
			try (var files = Files.walk(this.profile)) {
				files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
			}
		}
	}

	@Test
	void pageLoadsWithoutConsoleErrorsAndShowsANewHitByItself() throws IOException {
		TestTraffic traffic = new TestTraffic(this.port);
		this.browser.get("http://localhost:" + this.port + "/");
		WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
		wait.until((driver) -> driver.findElement(By.id("status")).getText().startsWith("live"));
		assertThat(this.browser.getTitle()).contains("pixel-pipeline");
		assertThat(this.browser.findElements(By.cssSelector("#chart rect.bar"))).hasSize(60);

		String user = "page" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(traffic.get("/pixel.png?user_id=" + user + "&type=click&order_id=o-42").statusCode()).isEqualTo(200);
		// No reload: the page polls the read API and must draw the new row itself.
		wait.until((driver) -> driver.findElement(By.id("events")).getText().contains(user));
		wait.until((driver) -> driver.findElement(By.id("tables")).getText().contains("pixel_" + user + "_"));
		wait.until((driver) -> !"0".equals(driver.findElement(By.id("count-stored")).getText())
				&& !"–".equals(driver.findElement(By.id("count-stored")).getText()));
		assertThat(this.browser.findElement(By.id("events")).getText()).contains("click").contains("o-42");

		Path screenshot = Path.of("target", "local-page.png");
		Files.createDirectories(screenshot.getParent());
		Files.write(screenshot, this.browser.getScreenshotAs(OutputType.BYTES));

		List<LogEntry> problems = this.browser.manage()
			.logs()
			.get(LogType.BROWSER)
			.getAll()
			.stream()
			.filter((entry) -> entry.getLevel().intValue() >= Level.WARNING.intValue())
			.toList();
		assertThat(problems).as("browser console warnings and errors").isEmpty();
	}

}
