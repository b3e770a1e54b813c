package io.nexusmesh.gateway.payload;

import static java.util.Objects.requireNonNull;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Payloads as objects of one S3 bucket (or any S3-compatible store), through the AWS SDK v2: what a
 * fleet of gateways on several machines shares. Expire them with a lifecycle rule on the bucket (as
 * long as the gateways' retention); the gateway never deletes objects.
 */
public final class S3PayloadStore implements PayloadStore {
  private final S3Client s3;
  private final String bucket;
  private final String prefix;

  /** Objects {@code <prefix><key>} of {@code bucket}. */
  public S3PayloadStore(S3Client s3, String bucket, String prefix) {
    this.s3 = requireNonNull(s3, "s3");
    this.bucket = requireNonNull(bucket, "bucket");
    this.prefix = requireNonNull(prefix, "prefix");
  }

  @Override
  public void put(String key, byte[] bytes) {
    s3.putObject(b -> b.bucket(bucket).key(prefix + key), RequestBody.fromBytes(bytes));
  }

  @Override
  public byte[] get(String key) {
    try {
      return s3.getObjectAsBytes(b -> b.bucket(bucket).key(prefix + key)).asByteArray();
    } catch (NoSuchKeyException e) {
      throw new IllegalStateException("payload " + key + " is not in " + describe(), e);
    }
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + prefix;
  }
}
