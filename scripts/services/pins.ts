/** The pinned versions of the local service stack (see the spec's table of real services). */
export const pins = {
  temporal: {
    module: 'github.com/temporalio/cli/cmd/temporal',
    // Later tags carry a `replace` directive in go.mod and cannot be built with `go install`.
    version: 'v1.5.1',
    ldflags: '-X github.com/temporalio/cli/temporalcli.Version=1.5.1',
  },
  minio: {
    module: 'github.com/minio/minio',
    version: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  },
  mc: {
    // MinIO's client, for the admin calls that give the platform's processes users of their own.
    module: 'github.com/minio/mc',
    version: 'v0.0.0-20250313080218-cf909e1063a9',
  },
  kafka: {
    version: '3.9.1',
  },
  go: { minimum: [1, 25] as const },
  java: { minimum: 17 },
} as const;
