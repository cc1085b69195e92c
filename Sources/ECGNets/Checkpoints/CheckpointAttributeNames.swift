import Foundation

/// Constants and formats shared by the checkpoint writer and reader.
enum CheckpointAttributeNames {
    /// The `format` attribute that marks a file as a dist-train checkpoint.
    static let formatName = "dist-train checkpoint"

    /// ISO 8601 with fractional seconds, UTC (the `created` attribute).
    static func timestamp(_ date: Date) -> String {
        formatter().string(from: date)
    }

    /// The date of a `created` attribute, nil if it is not one.
    static func date(_ text: String) -> Date? {
        formatter().date(from: text)
    }

    private static func formatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
