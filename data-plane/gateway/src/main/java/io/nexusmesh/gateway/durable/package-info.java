/**
 * Durable execution in Redis: execution records, the step journal, event logs, owner leases and the
 * resumption of executions whose owner died.
 */
@NullMarked
package io.nexusmesh.gateway.durable;

import org.jspecify.annotations.NullMarked;
