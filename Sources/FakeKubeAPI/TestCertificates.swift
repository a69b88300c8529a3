import Crypto
import FoundationEssentials
import SwiftASN1
import X509

/// Certificates generated on the spot for a local HTTPS API server: a CA, a server certificate for 127.0.0.1 /
/// localhost signed by it, and a client certificate. PEM throughout; nothing is written to disk here.
public struct TestCertificates: Sendable {
    public var caPEM: [UInt8]
    public var serverCertificatePEM: [UInt8]
    public var serverKeyPEM: [UInt8]
    public var clientCertificatePEM: [UInt8]
    public var clientKeyPEM: [UInt8]

    public var serverTLS: FakeKubeAPIServer.TLS {
        FakeKubeAPIServer.TLS(certificateChainPEM: serverCertificatePEM, privateKeyPEM: serverKeyPEM)
    }

    /// A fresh CA and leaf certificates valid for a day. `caName` distinguishes CAs in mismatch tests.
    public static func generate(caName: String = "fake-kube-ca") throws -> TestCertificates {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caSubject = try DistinguishedName { CommonName(caName) }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: caSubject, subject: caSubject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))

        func leaf(_ name: String, usage: ExtendedKeyUsage.Usage, names: [GeneralName]) throws -> (Certificate, P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: caSubject,
                subject: try DistinguishedName { CommonName(name) }, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([usage])
                    if !names.isEmpty { SubjectAlternativeNames(names) }
                },
                issuerPrivateKey: .init(caKey))
            return (certificate, key)
        }

        let (server, serverKey) = try leaf(
            "kubernetes", usage: .serverAuth,
            names: [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
        let (client, clientKey) = try leaf("system:serviceaccount:velero:velero", usage: .clientAuth, names: [])
        func pem(_ certificate: Certificate) throws -> [UInt8] { Array(try certificate.serializeAsPEM().pemString.utf8) }
        return TestCertificates(
            caPEM: try pem(ca), serverCertificatePEM: try pem(server), serverKeyPEM: Array(serverKey.pemRepresentation.utf8),
            clientCertificatePEM: try pem(client), clientKeyPEM: Array(clientKey.pemRepresentation.utf8))
    }
}

extension FakeKubeAPIServer {
    /// A kubeconfig for a client of this server at `https://127.0.0.1:<port>`, trusting `caPEM` and sending `token`.
    public static func kubeconfig(port: Int, caPEM: [UInt8], token: String, name: String = "fake") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: \(name)
        contexts: [{name: \(name), context: {cluster: \(name), user: \(name)}}]
        clusters: [{name: \(name), cluster: {server: "https://127.0.0.1:\(port)", certificate-authority-data: \(Data(caPEM).base64EncodedString())}}]
        users: [{name: \(name), user: {token: \(token)}}]
        """
    }

    /// A kubeconfig for a plain-HTTP server on loopback (the host CLI's embedded cluster: nothing secret is served).
    public static func plainHTTPKubeconfig(port: Int, namespace: String = "default", name: String = "preview") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: \(name)
        contexts: [{name: \(name), context: {cluster: \(name), user: \(name), namespace: \(namespace)}}]
        clusters: [{name: \(name), cluster: {server: "http://127.0.0.1:\(port)"}}]
        users: [{name: \(name), user: {}}]
        """
    }
}
