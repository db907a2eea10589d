# pixel-pipeline container image.
#   docker build -t pixel-pipeline .
#   docker run -p 8080:8080 -e PIPELINE_EMBEDDED_PATH=:memory: pixel-pipeline
# ImageLayoutIntegrationTests reads this file: it repeats the extraction, the layer copies, the training run and the
# ENTRYPOINT on the built jar, so keep those instructions in exec form.
#
# Classic builder only. deploy/setup.sh builds this file with `gcloud builds submit --tag`, which runs the classic
# `docker build` without BuildKit, and that builder refuses BuildKit's syntax ("the --mount option requires
# BuildKit"). So: no `# syntax=` directive, no RUN --mount/--network/--security, no COPY --chmod/--link/--parents/
# --exclude, no ADD --checksum, no heredocs, no automatic platform ARGs. DockerfileTests fails, naming the line, on
# any of them. The other way, a cloudbuild.yaml that turns BuildKit on, was not taken: every Cloud Build runs on a
# fresh worker, so BuildKit's cache mount would start empty there anyway, and it would add a second build definition
# that setup.sh, docs/deploy.md and a local `docker build` must keep in step. Dependencies are cached by layer order
# instead, which every builder honours: the wrapper and pom.xml first, dependency:go-offline into the image's own
# ~/.m2, and only then the sources, so a change to src/ rebuilds from the source copy on and reuses the dependency
# layer (locally, or wherever the builder keeps layers).

# --- build: the Maven wrapper; the dependency layer comes before the sources so a code change keeps it ---
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY pixel.png ./
COPY src/ src/
RUN ./mvnw -B -q package -DskipTests && cp target/pixel-pipeline-*.jar app.jar

# --- extract: Spring Boot's layers. Without --launcher the application layer holds app.jar whose manifest names the
# jars in lib/; the JVM then loads every class from plain jars on the class path, which is what an AOT cache (or a CDS
# archive) can store. With --launcher the classes come through Spring Boot's own class loader and most are skipped.
FROM eclipse-temurin:25-jdk AS extract
WORKDIR /builder
COPY --from=build /src/app.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --destination extracted

# --- runtime: a JRE only (no compiler, no build tools). Temurin 25 because Java 25's AOT cache (JEP 483/514/515)
# shortens cold starts more than CDS does, and the cache is trained in this very image, so it always matches the JVM
# that uses it. A distroless java image would be smaller but has no shell for debugging; either way the process runs
# as an unprivileged numeric user (Kubernetes' runAsNonRoot can check a numeric UID).
FROM eclipse-temurin:25-jre
WORKDIR /app
# Least-changing first, so a code change rebuilds only the last layer.
COPY --from=extract /builder/extracted/dependencies/ ./
COPY --from=extract /builder/extracted/spring-boot-loader/ ./
COPY --from=extract /builder/extracted/snapshot-dependencies/ ./
COPY --from=extract /builder/extracted/application/ ./
COPY deploy/jvm-flags ./jvm-flags
# Training run: start the application context and exit once it is refreshed (Spring's spring.context.exit=onRefresh);
# the JVM records the classes it loaded and linked into app.aot. It trains the gcp profile the service runs in (BigQuery
# sink, push authentication, Pub/Sub, Cloud Monitoring): a cache trained on the local defaults left those classes out,
# and readiness as deployed took about twice as long as with this training (bench/RESULTS.md, section 5.4). Every
# Google endpoint is a closed loopback port and needs no credentials: nothing is called before the context is
# refreshed.
RUN ["java", "@jvm-flags", "-XX:AOTCacheOutput=app.aot", "-Dspring.context.exit=onRefresh", "-Dpipeline.embedded.path=:memory:", "-Dspring.profiles.active=gcp", "-Dspring.cloud.gcp.project-id=training", "-Dpipeline.bigquery.project-id=training", "-Dpipeline.bigquery.host=http://127.0.0.1:9", "-Dspring.cloud.gcp.pubsub.emulator-host=127.0.0.1:9", "-Dpipeline.dead-letter.topic=projects/training/topics/training", "-Dpipeline.push.auth.audience=https://training.invalid/pubsub/push", "-Dpipeline.push.auth.service-accounts=training@training.iam.gserviceaccount.com", "-Dpipeline.metrics.monitoring-host=127.0.0.1:9", "-jar", "app.jar"]
# The JVM, the AOT cache and the jars stay read-only for the runtime user; only /tmp must be writable.
USER 10001:10001
# No profile here: Cloud Run (deploy/cloud-run.yaml) and the Helm chart set SPRING_PROFILES_ACTIVE=gcp.
EXPOSE 8080
ENTRYPOINT ["java", "@jvm-flags", "-XX:AOTCache=app.aot", "-jar", "app.jar"]
