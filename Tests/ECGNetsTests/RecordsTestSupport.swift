import Foundation

/// Locations of the records tests' fixtures and scratch directories.
enum RecordsTestSupport {
    /// `Fixtures/<topic>` beside this file.
    static func fixtures(_ topic: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(topic)")
    }

    /// The fixture WFDB file `name` (e.g. `E07500.hea`).
    static func wfdb(_ name: String) -> URL {
        fixtures("wfdb").appendingPathComponent(name)
    }

    /// A fresh empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ecgnets-records-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Copies fixture files into `directory` and returns the copy of the first one.
    @discardableResult
    static func copyFixtures(_ names: [String], to directory: URL) throws -> URL {
        for name in names {
            try FileManager.default.copyItem(at: wfdb(name), to: directory.appendingPathComponent(name))
        }
        return directory.appendingPathComponent(names[0])
    }

    /// Writes `text` to `directory/name` and returns its URL.
    @discardableResult
    static func write(_ text: String, to directory: URL, as name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }
}
