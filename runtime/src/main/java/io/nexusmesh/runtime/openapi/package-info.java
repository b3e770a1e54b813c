/**
 * OpenAPI 3.1 for REST users, generated from the services' protobuf descriptors, their {@code
 * google.api.http} rules and their protovalidate constraints, and served at {@code /openapi.json}.
 */
@NullMarked
package io.nexusmesh.runtime.openapi;

import org.jspecify.annotations.NullMarked;
