import Foundation

/// The validations of a training run in order, kept by rank 0, stored in checkpoints and written as JSON
/// next to them; its JSON is stable (sorted keys), so the same history always gives the same bytes.
public struct TrainingHistory: Sendable, Equatable, Codable {
    /// One entry per validation, oldest first.
    public private(set) var entries: [TrainingHistoryEntry]

    /// A history with `entries` (none for a new run).
    public init(entries: [TrainingHistoryEntry] = []) {
        self.entries = entries
    }

    /// Adds the entry of the latest validation.
    public mutating func append(_ entry: TrainingHistoryEntry) {
        entries.append(entry)
    }

    /// The entry with the highest Challenge metric (the first of equals), `nil` if there is none.
    public var best: TrainingHistoryEntry? {
        entries.filter { !$0.challengeMetric.isNaN }.max { $0.challengeMetric < $1.challengeMetric }
    }

    /// The history as pretty-printed JSON with sorted keys.
    public func jsonData() throws(TrainingHistoryError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw .unencodable(reason: String(describing: error))
        }
    }

    /// Reads a history from the JSON `jsonData()` writes; `source` names it in errors (a file or a
    /// checkpoint attribute).
    public init(jsonData: Data, source: String) throws(TrainingHistoryError) {
        do {
            self = try JSONDecoder().decode(TrainingHistory.self, from: jsonData)
        } catch {
            throw .undecodable(source: source, reason: String(describing: error))
        }
    }
}

/// Errors reading or writing a training history as JSON.
public enum TrainingHistoryError: Error, CustomStringConvertible, Equatable {
    /// The history could not be encoded.
    case unencodable(reason: String)
    /// The JSON from `source` is not a training history.
    case undecodable(source: String, reason: String)

    public var description: String {
        switch self {
        case let .unencodable(reason):
            "cannot encode the training history as JSON: \(reason)"
        case let .undecodable(source, reason):
            "\(source) does not hold a training history in the JSON dist-train writes (\(reason)); "
                + "point to a history.json or checkpoint written by dist-train"
        }
    }
}
