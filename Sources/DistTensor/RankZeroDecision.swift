import Foundation

/// A decision rank 0 could not take, as the other ranks learn it (rank 0 throws its own error). Every rank
/// throws, so none waits forever or goes on alone.
public struct RankZeroFailure: Error, CustomStringConvertible {
    /// What rank 0 was doing, as "could not …".
    public let what: String

    public var description: String { "rank 0 \(what) (its message says why)." }
}

extension ProcessGroup {
    /// "Rank 0 decides, every rank learns the outcome": rank 0 runs `decide` and every rank returns its value
    /// (sent as JSON). If `decide` throws, rank 0 rethrows its error and every other rank throws a
    /// `RankZeroFailure` saying `what` failed. The other ranks wait under the collective timeout (sleeping between
    /// polls after the first 0.1 s, so a long decision leaves their cores to rank 0).
    public func decidedByRankZero<Value: Codable>(what: String, _ decide: () throws -> Value) throws -> Value {
        var payload = Data()
        var failure: Error?
        if rank == 0 {
            do {
                payload = try Self.encoder.encode([try decide()])
            } catch {
                failure = error
            }
        }
        // Failed flag and the payload's byte count in base-65536 digits, each exact in a Float sum.
        var header: [Float] = rank == 0
            ? [failure == nil ? 0 : 1, Float(payload.count % 65_536), Float(payload.count / 65_536)] : [0, 0, 0]
        try header.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        guard header[0] == 0 else { throw failure ?? RankZeroFailure(what: what) }
        if size > 1 {
            if rank != 0 { payload = Data(count: Int(header[1]) + 65_536 * Int(header[2])) }
            try payload.withUnsafeMutableBytes { try broadcast($0, root: 0) }
        }
        return try Self.decoder.decode([Value].self, from: payload)[0]
    }

    /// JSON with non-finite numbers spelled out (an undefined metric is NaN).
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
