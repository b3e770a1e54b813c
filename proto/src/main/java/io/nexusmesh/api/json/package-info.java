/**
 * The protobuf JSON mapping as Nexus Mesh writes and reads it on every channel: integral numbers as
 * integers, and integers a double cannot hold refused rather than rounded.
 */
package io.nexusmesh.api.json;
