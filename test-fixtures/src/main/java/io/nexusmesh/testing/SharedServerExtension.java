package io.nexusmesh.testing;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The common shape of the fixtures' extensions: a real server started on first use, kept in JUnit's
 * root store so the whole test run (one JVM) shares it, closed by JUnit when the run ends, and
 * handed to tests as a parameter of its endpoint type.
 *
 * @param <E> what tests receive: where the server listens
 */
public abstract class SharedServerExtension<E> implements ParameterResolver {
  /** A running server; closing it stops it (or does nothing for an external one). */
  public interface Handle<E> extends AutoCloseable {
    /** Where it listens. */
    E endpoint();

    @Override
    void close();
  }

  private final Class<E> endpointType;
  private final Supplier<? extends Handle<E>> starter;

  protected SharedServerExtension(Class<E> endpointType, Supplier<? extends Handle<E>> starter) {
    this.endpointType = requireNonNull(endpointType, "endpointType");
    this.starter = requireNonNull(starter, "starter");
  }

  @Override
  public final boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == endpointType;
  }

  @Override
  public final Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return shared(context);
  }

  /** The server of this test run, started on first use. */
  protected final E shared(ExtensionContext context) {
    Handle<?> handle =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.create(getClass()))
            .getOrComputeIfAbsent(getClass(), key -> starter.get(), Handle.class);
    return endpointType.cast(handle.endpoint());
  }
}
