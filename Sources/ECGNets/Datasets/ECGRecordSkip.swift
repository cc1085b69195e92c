/// A record that dataset preparation left out: the file it came from, why, and the full message of the problem.
public struct ECGRecordSkip: Error, Sendable, Equatable, CustomStringConvertible {
    /// The record's header path (or `simulator record <n>` for a simulated record).
    public let file: String
    public let reason: ECGRecordSkipReason
    /// The error or finding that caused the skip, naming the file and the problem.
    public let message: String

    /// A skip of `file` for `reason`, explained by `message`.
    public init(file: String, reason: ECGRecordSkipReason, message: String) {
        self.file = file
        self.reason = reason
        self.message = message
    }

    /// `<file>: <reason>: <message>`.
    public var description: String { "\(file): \(reason): \(message)" }
}
