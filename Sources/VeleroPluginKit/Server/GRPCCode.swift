/// gRPC status codes (grpc_status_code values): the ones this kit sends, and every code's name as Go prints it.
public enum GRPCCode {
    public static let ok: Int32 = 0
    public static let cancelled: Int32 = 1
    public static let unknown: Int32 = 2
    public static let notFound: Int32 = 5
    public static let resourceExhausted: Int32 = 8
    public static let aborted: Int32 = 10
    public static let unimplemented: Int32 = 12
    public static let `internal`: Int32 = 13
    public static let unavailable: Int32 = 14

    /// Go's names of the codes (grpc-go `codes.Code.String()`), as `rpc error: code = … desc = …` prints them.
    private static let names = [
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
        "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
        "Internal", "Unavailable", "DataLoss", "Unauthenticated",
    ]

    /// `NotFound` for 5; `Code(99)` for a code Go has no name for.
    public static func name(_ code: Int32) -> String {
        names.indices.contains(Int(code)) ? names[Int(code)] : "Code(\(code))"
    }
}
