import Foundation

/// The directory tree a data set's files may be read from: the real path of the data directory (a `--data` that is a
/// symbolic link is resolved first), and whether symbolic links leading out of it are followed.
///
/// Why: a header names its signal files, and a careless or hostile data set can name `../../etc/passwd` or hold a
/// link to anywhere; nothing outside the tree the user pointed at is opened unless the user allows links out of it
/// (`--follow-symlinks-outside`). Names with `..` are refused either way: WFDB signal files sit beside their header.
public struct WFDBDataTree: Sendable, Equatable {
    /// The tree's root with every symbolic link resolved.
    public let root: URL
    /// Whether files and folders reached through symbolic links that lead out of `root` are read.
    public let followsSymlinksOutside: Bool

    /// The tree under `directory` (resolved to its real path when it exists).
    public init(root directory: URL, followsSymlinksOutside: Bool = false) {
        root = Self.realPath(of: directory) ?? directory.standardizedFileURL
        self.followsSymlinksOutside = followsSymlinksOutside
    }

    /// Whether the real path of `url` lies inside the tree (always true when links out of it are followed); a path
    /// that does not resolve (a dangling link) is not inside.
    public func contains(_ url: URL) -> Bool {
        if followsSymlinksOutside { return true }
        guard let real = Self.realPath(of: url) else { return false }
        return Self.isInside(real, root)
    }

    /// `url` with every symbolic link resolved (`realpath`), nil if it does not resolve.
    static func realPath(of url: URL) -> URL? {
        guard let resolved = realpath(url.path, nil) else { return nil }
        defer { free(resolved) }
        return URL(fileURLWithPath: String(cString: resolved))
    }

    /// Whether `path` is `root` or below it (both real paths).
    static func isInside(_ path: URL, _ root: URL) -> Bool {
        let rootPath = root.path == "/" ? "" : root.path
        return path.path == root.path || path.path.hasPrefix(rootPath + "/")
    }
}

/// Finds the WFDB records stored in a directory tree (a Challenge data set unpacked into nested folders).
public enum WFDBRecordDirectory {
    /// What a scan of a data tree found.
    public struct Scan: Sendable {
        /// Every `.hea` header (any letter case) reached, sorted by path (so every run and rank sees one order),
        /// each by the path it was reached under (below the data directory as given).
        public var headers: [URL]
        /// Every regular file reached (headers and signal files), sorted by path.
        public var files: [URL]
        /// Headers that are symbolic links leading out of the tree (not read unless links out are followed).
        public var headersOutside: [URL]
        /// Folders not entered, each with why: a link out of the tree, or a second path to a folder already read
        /// (a symbolic link loop or duplicate).
        public var foldersNotFollowed: [(folder: URL, reason: String)]
    }

    /// Every `.hea` header file under `directory` at any depth, skipping hidden files and folders (see `scan`).
    public static func headerURLs(under directory: URL, followsSymlinksOutside: Bool = false)
        throws(WFDBRecordError) -> [URL] {
        try scan(WFDBDataTree(root: directory, followsSymlinksOutside: followsSymlinksOutside), from: directory).headers
    }

    /// Walks the tree from `directory` (its root as given), skipping hidden files and folders. Symbolic links to
    /// folders are followed when they lead inside the tree (or links out are allowed), each real folder is read
    /// once (which also ends symbolic link loops); a header that is a link out of the tree is listed in
    /// `headersOutside`, not in `headers`.
    public static func scan(_ tree: WFDBDataTree, from directory: URL) throws(WFDBRecordError) -> Scan {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw .unreadableDirectory(directory, reason: "no such directory")
        }
        var result = Scan(headers: [], files: [], headersOutside: [], foldersNotFollowed: [])
        var visited: Set<String> = [tree.root.path]
        var pending: [URL] = [directory]
        while let folder = pending.popLast() {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            } catch {
                throw .unreadableDirectory(folder, reason: (error as NSError).localizedDescription)
            }
            var subfolders: [URL] = []
            for name in names.sorted() where !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name)
                var status = stat()
                guard lstat(url.path, &status) == 0 else { continue }
                let isLink = (status.st_mode & S_IFMT) == S_IFLNK
                if isLink, stat(url.path, &status) != 0 { continue }  // a dangling link names nothing
                let kind = status.st_mode & S_IFMT
                let real = isLink ? WFDBDataTree.realPath(of: url) : nil
                let inside = !isLink || real.map { WFDBDataTree.isInside($0, tree.root) } ?? false
                if kind == S_IFDIR {
                    guard inside || tree.followsSymlinksOutside else {
                        result.foldersNotFollowed.append((url, "a symbolic link leading out of the data directory "
                            + "\(tree.root.path); not followed (--follow-symlinks-outside follows it)"))
                        continue
                    }
                    let key = (real ?? WFDBDataTree.realPath(of: url) ?? url).path
                    guard visited.insert(key).inserted else {
                        result.foldersNotFollowed.append((url, "a second path to a folder already read (a symbolic "
                            + "link loop or duplicate); read once"))
                        continue
                    }
                    subfolders.append(url)
                } else if kind == S_IFREG {
                    let isHeader = url.pathExtension.lowercased() == "hea"
                    if isHeader, !inside, !tree.followsSymlinksOutside {
                        result.headersOutside.append(url)
                        continue
                    }
                    result.files.append(url)
                    if isHeader { result.headers.append(url) }
                }
            }
            pending.append(contentsOf: subfolders.reversed())
        }
        result.headers.sort { $0.path < $1.path }
        result.files.sort { $0.path < $1.path }
        result.headersOutside.sort { $0.path < $1.path }
        return result
    }
}
