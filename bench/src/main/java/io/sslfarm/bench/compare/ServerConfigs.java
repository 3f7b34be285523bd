package io.sslfarm.bench.compare;

import java.nio.file.Path;

/** Config files for the servers compare starts. Same TLS policy as anchors/start.sh: TLS 1.2+1.3, tickets and cache on. */
final class ServerConfigs {

    private ServerConfigs() {
    }

    /** HAProxy in the foreground, one thread, TLS terminated in mode http, keep-alive to the backend. */
    static String haproxy(Path w, int port, Path combinedPem, String backend) {
        return """
                global
                  nbthread 1
                  maxconn 8000
                  stats socket %1$s/haproxy.sock mode 600 level admin
                defaults
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                  timeout http-keep-alive 30s
                frontend fe_bench
                  mode http
                  bind 127.0.0.1:%2$d ssl crt %3$s alpn http/1.1 ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3 backlog 4096
                  default_backend be_bench
                backend be_bench
                  mode http
                  http-reuse always
                  server s1 %4$s
                """.formatted(w, port, combinedPem, backend);
    }

    /** nginx in the foreground (daemon off), one worker, TLS reverse proxy with a keep-alive upstream. */
    static String nginxTls(Path w, int port, Path cert, Path key, String backend) {
        return """
                daemon off; worker_processes 1; pid %1$s/nginx-tls.pid; error_log %1$s/nginx-tls.err;
                events { worker_connections 8192; }
                http { access_log off; %5$s
                  upstream be { server %4$s; keepalive 128; keepalive_requests 1000000; }
                  server { listen 127.0.0.1:%2$d ssl backlog=4096;
                    ssl_certificate %3$s; ssl_certificate_key %6$s;
                    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets on; ssl_session_cache shared:S:10m; ssl_session_timeout 10m;
                    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
                """.formatted(w, port, cert, backend, temps(w), key);
    }

    /** Plain-HTTP backend: fixed 200 answer naming itself in a header and the body (like {@code sslfarm backend}). */
    static String nginxBackend(Path w, int port, String id) {
        return """
                daemon off; worker_processes 1; pid %1$s/backend.pid; error_log %1$s/backend.err;
                events { worker_connections 8192; }
                http { access_log off; %3$s default_type text/plain;
                  server { listen 127.0.0.1:%2$d backlog=4096;
                    location / { add_header X-Backend-Id %4$s always; return 200 "backend=%4$s\\n"; } } }
                """.formatted(w, port, temps(w), id);
    }

    private static String temps(Path w) {
        return ("client_body_temp_path %1$s/tmp; proxy_temp_path %1$s/tmp; fastcgi_temp_path %1$s/tmp; uwsgi_temp_path %1$s/tmp; "
                + "scgi_temp_path %1$s/tmp; keepalive_requests 1000000; keepalive_timeout 60s;").formatted(w);
    }
}
