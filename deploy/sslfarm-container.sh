#!/bin/sh
# The image's entry point and `sslfarm` command (also for `docker exec CONTAINER sslfarm status`): the same JVM flags
# as the project's ./sslfarm script. JVM options: SSLFARM_OPTS.
exec java ${SSLFARM_OPTS:-} \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  -jar /opt/sslfarm/sslfarm.jar "$@"
