package io.sslfarm.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** An admin API response. Errors are JSON {@code {"error": "..."}}. */
public record AdminResponse(int status, String contentType, Buffer body) {

  public static AdminResponse json(int status, JsonObject body) {
    return new AdminResponse(status, "application/json", body.toBuffer());
  }

  public static AdminResponse json(int status, JsonArray body) {
    return new AdminResponse(status, "application/json", body.toBuffer());
  }

  public static AdminResponse ok(JsonObject body) {
    return json(200, body);
  }

  public static AdminResponse error(int status, String message) {
    return json(status, new JsonObject().put("error", message));
  }
}
