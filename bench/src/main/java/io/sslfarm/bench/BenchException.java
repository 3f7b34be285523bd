package io.sslfarm.bench;

/** A bench that could not run or report (bad options are {@link IllegalArgumentException}s naming the option). */
public class BenchException extends Exception {
    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }

    public BenchException(String message) {
        super(message);
    }
}
