import Foundation

/// Writes report files atomically (a reader never sees half a file), with errors that name the file.
public enum ReportFileWriter {
    /// Writes `contents` as UTF-8 to `file`, replacing it atomically.
    public static func write(_ contents: String, to file: URL) throws(ReportError) {
        do {
            try Data(contents.utf8).write(to: file, options: .atomic)
        } catch {
            throw .unwritable(file: file.path, reason: error.localizedDescription)
        }
    }
}
