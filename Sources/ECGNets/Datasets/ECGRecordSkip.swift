/// A record that dataset preparation left out: the file it came from, why, and the full message of the problem.
public struct ECGRecordSkip: Error, Sendable, Equatable, CustomStringConvertible {
    /// The record's header path (or `simulator record <n>` for a simulated record).
    public let file: String
    public let reason: ECGRecordSkipReason
    /// The error or finding that caused the skip, naming the file and the problem.
    public let message: String

    /// A skip of `file` for `reason`, explained by `message`.
    /// A skip of `file` for `reason`, explained by `message`; both texts are sanitised (`sanitizedForDisplay`), since
    /// they may quote a damaged file.
    public init(file: String, reason: ECGRecordSkipReason, message: String) {
        self.file = file.sanitizedForDisplay
        self.reason = reason
        self.message = message.sanitizedForDisplay
    }

    /// `<file>: <reason>: <message>`.
    public var description: String { "\(file): \(reason): \(message)" }
}
