import Foundation

/// Finds the WFDB records stored in a directory tree (a Challenge data set unpacked into nested folders).
public enum WFDBRecordDirectory {
    /// Every `.hea` header file under `directory` at any depth, skipping hidden files and folders, sorted by path
    /// so that every run and every rank sees the records in the same order.
    public static func headerURLs(under directory: URL) throws(WFDBRecordError) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw .unreadableDirectory(directory, reason: "no such directory")
        }
        var listingError: (url: URL, reason: String)?
        let enumerator = FileManager.default.enumerator(
            at: directory, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles],
            errorHandler: { url, error in
                listingError = listingError ?? (url, error.localizedDescription)
                return false
            })
        guard let enumerator else { throw .unreadableDirectory(directory, reason: "it cannot be enumerated") }
        var headers: [URL] = []
        for case let url as URL in enumerator where url.pathExtension == "hea" {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                headers.append(url)
            }
        }
        if let listingError { throw .unreadableDirectory(listingError.url, reason: listingError.reason) }
        return headers.sorted { $0.path < $1.path }
    }
}
