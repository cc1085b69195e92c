import Foundation

/// Reading the small text files of the Challenge format (headers and output files), with errors that name
/// the file.
enum ChallengeTextFile {
    /// The file's text, invalid UTF-8 replaced rather than rejected (the formats are ASCII).
    static func read(_ url: URL) throws(ChallengeFormatError) -> String {
        do {
            return String(decoding: try Data(contentsOf: url), as: UTF8.self)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
    }

    /// `text` without a leading byte order mark U+FEFF (which spreadsheet programs write at the start of a CSV).
    static func withoutByteOrderMark(_ text: String) -> String {
        text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
    }

    /// The text's lines, split at `\n`, `\r\n` or `\r` as Python's universal newlines do.
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }
}
