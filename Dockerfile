# One image for every role of the farm:
#   docker run IMAGE edge | ssl | router | backend | apply | status | certs ... | --help
#
# The jar is built outside the image (no Maven, no registry needed at build time):
#   mvn -B -DskipTests package
#   docker build -t sslfarm:local .                                          # public base image
#   docker build -t sslfarm:local --build-arg BASE_IMAGE=sslfarm/jre17:local .   # offline machines
#
# Every node key can be set with an environment variable SSLFARM_<KEY_PATH> (`sslfarm config example` lists them).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

# A fixed uid/gid so bind-mounted secrets can be granted to it (deploy/init.sh does).
ARG SSLFARM_UID=10001
RUN set -e; \
    if command -v groupadd >/dev/null 2>&1; then \
      groupadd --system --gid "${SSLFARM_UID}" sslfarm; \
      useradd --system --uid "${SSLFARM_UID}" --gid sslfarm --home-dir /var/lib/sslfarm --shell /usr/sbin/nologin sslfarm; \
    else \
      addgroup -S -g "${SSLFARM_UID}" sslfarm && adduser -S -D -u "${SSLFARM_UID}" -G sslfarm -h /var/lib/sslfarm sslfarm; \
    fi; \
    mkdir -p /opt/sslfarm /var/lib/sslfarm/state /etc/sslfarm; \
    chown -R sslfarm:sslfarm /var/lib/sslfarm

COPY deploy/healthcheck.sh /opt/sslfarm/healthcheck.sh
COPY deploy/sslfarm-container.sh /opt/sslfarm/bin/sslfarm
COPY farm/target/sslfarm.jar /opt/sslfarm/sslfarm.jar
RUN chmod 0755 /opt/sslfarm/healthcheck.sh /opt/sslfarm/bin/sslfarm && chmod 0644 /opt/sslfarm/sslfarm.jar

# Container defaults: listen on every interface (the nodes advertise their container IP to the cluster), keep the
# node's own files in a volume-friendly place. All of them can be overridden with -e.
# The admin port is plain HTTP here (SSLFARM_ADMIN_TLS=off): the health check, Prometheus and the compose CLI reach
# it over the farm network, and the image has no CA. The bearer token then crosses that network in clear: keep the
# admin port unpublished or on 127.0.0.1 (docker-compose.yml does), or mount a certificate and set
# SSLFARM_ADMIN_TLS=on, SSLFARM_ADMIN_TLS_CERT_FILE, SSLFARM_ADMIN_TLS_KEY_FILE (README "Security defaults").
ENV PATH=/opt/sslfarm/bin:$PATH \
    SSLFARM_NODE_DATA_DIR=/var/lib/sslfarm \
    SSLFARM_CLUSTER_STATE_ENABLED=true \
    SSLFARM_CLUSTER_STATE_DIR=/var/lib/sslfarm/state \
    SSLFARM_ADMIN_HOST=0.0.0.0 \
    SSLFARM_ADMIN_TLS=off \
    SSLFARM_CLUSTER_HOST=0.0.0.0 \
    SSLFARM_OPTS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"

# certificates, farm config and node weights written through by this member (cluster.state.*): mount a volume here
VOLUME ["/var/lib/sslfarm/state"]
WORKDIR /var/lib/sslfarm
USER sslfarm

#      edge  ssl   router backend admin hazelcast
EXPOSE 8443  9443  8080   8081    9900  5701

# Liveness of the admin server (every role has one). Uses curl when the base image has it, bash's /dev/tcp otherwise.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD ["/opt/sslfarm/healthcheck.sh"]

# `java` with the same --add-opens flags as the project's ./sslfarm script (Hazelcast and Netty need them on JDK 17)
# and -jar /opt/sslfarm/sslfarm.jar; `sslfarm` is on the PATH for `docker exec`.
ENTRYPOINT ["/opt/sslfarm/bin/sslfarm"]
CMD ["--help"]
