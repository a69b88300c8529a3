import CGRPCShim

extension HealthCheckRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Grpc__Health__V1__HealthCheckRequest()
        grpc__health__v1__health_check_request__init(&message)
        message.service = arena.string(service)
        return ProtobufC.pack(
            &message, size: grpc__health__v1__health_check_request__get_packed_size,
            pack: grpc__health__v1__health_check_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        service = try ProtobufC.unpack(
            bytes, "grpc.health.v1.HealthCheckRequest", unpack: grpc__health__v1__health_check_request__unpack,
            free: grpc__health__v1__health_check_request__free_unpacked
        ) { ProtobufC.text($0.service) }
    }
}

extension HealthCheckResponse {
    public func encoded() -> [UInt8] {
        var message = Grpc__Health__V1__HealthCheckResponse()
        grpc__health__v1__health_check_response__init(&message)
        message.status = Grpc__Health__V1__HealthCheckResponse__ServingStatus(rawValue: UInt32(bitPattern: status))
        return ProtobufC.pack(
            &message, size: grpc__health__v1__health_check_response__get_packed_size,
            pack: grpc__health__v1__health_check_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        status = try ProtobufC.unpack(
            bytes, "grpc.health.v1.HealthCheckResponse", unpack: grpc__health__v1__health_check_response__unpack,
            free: grpc__health__v1__health_check_response__free_unpacked
        ) { Int32(bitPattern: $0.status.rawValue) }
    }
}
