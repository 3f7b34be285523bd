package io.sslfarm.admin;

/** Thrown (or failed with) by an admin handler to answer with a status and a message. */
public final class AdminException extends RuntimeException {

  private final int status;

  public AdminException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
