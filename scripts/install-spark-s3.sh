#!/usr/bin/env bash
# Hadoop's S3A file system for the Spark object-storage tests (tests/spark/test_spark_object_storage.py):
# hadoop-aws and the AWS SDK bundle it calls, as jars for `--spark-conf spark.jars=...`.
#
# Spark takes these from Maven Central, which this project's machines do not reach; the same two
# jars ship inside PyPI's sagemaker-pyspark 1.4.5 (hadoop-aws 3.3.1, aws-java-sdk-bundle
# 1.11.901), so they are taken from there with pip and checked against their known SHA-256.
# hadoop-aws 3.3.1 is older than the Hadoop 3.5 client inside pyspark 4: the tests give it
# plain numbers where Hadoop 3.5's defaults say "60s" (see tests/spark/s3a.py). On a cluster,
# use the hadoop-aws matching its Spark's Hadoop (docs/spark.md).
#
# Usage: install-spark-s3.sh PYTHON DEST  (the venv's python; DEST gets the two jars)
# Idempotent: returns at once when DEST holds both jars with the right digests.
set -euo pipefail

PYTHON="$1"
DEST="$2"
PACKAGE="sagemaker-pyspark==1.4.5"
declare -A JARS=(
    [hadoop-aws-3.3.1.jar]=HADOOP_AWS_SHA
    [aws-java-sdk-bundle-1.11.901.jar]=SDK_SHA
)
HADOOP_AWS_SHA=6be50ad8a8b445d2802381b085b2a3ede5c29d353450a6a21f16b2fefa962b6e
SDK_SHA=b87175b32a16544cc1b37cf40390eb375833e62bed67f8ce6cde4b7ad6429ead

ok() {
    local jar
    for jar in "${!JARS[@]}"; do
        local want="${!JARS[$jar]}"
        [[ -f "$DEST/$jar" ]] || return 1
        [[ "$(sha256sum "$DEST/$jar" | cut -d' ' -f1)" == "$want" ]] || return 1
    done
}

if ok; then
    echo "install-spark-s3: already installed in $DEST"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "install-spark-s3: pip download $PACKAGE (about 180 MB)"
if ! "$PYTHON" -m pip download --quiet --no-deps --no-build-isolation --dest "$work" "$PACKAGE"; then
    echo "install-spark-s3: ERROR: 'pip download $PACKAGE' failed (see pip's output above)" >&2
    exit 1
fi
archive="$(ls "$work"/sagemaker_pyspark-*.tar.gz)"
mkdir -p "$DEST"
for jar in "${!JARS[@]}"; do
    tar -xzf "$archive" -C "$work" "sagemaker_pyspark-1.4.5/deps/jars/$jar"
    mv "$work/sagemaker_pyspark-1.4.5/deps/jars/$jar" "$DEST/$jar"
done
if ! ok; then
    echo "install-spark-s3: ERROR: the jars in $DEST do not have the expected SHA-256" >&2
    exit 1
fi
echo "install-spark-s3: installed hadoop-aws and the AWS SDK bundle in $DEST"
