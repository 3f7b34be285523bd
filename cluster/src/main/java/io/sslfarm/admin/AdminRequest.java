package io.sslfarm.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * An authenticated admin API request.
 *
 * @param params path parameters ({@code /api/nodes/:id} → {@code id})
 * @param query  query parameters (first value of each)
 */
public record AdminRequest(HttpMethod method, String path, Map<String, String> params, Map<String, String> query,
                           Buffer body) {

  public String param(String name) {
    return params.get(name);
  }

  /** The body as a JSON object; an empty body is an empty object. */
  public JsonObject json() {
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    try {
      return body.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new AdminException(400, "request body is not a JSON object");
    }
  }
}
