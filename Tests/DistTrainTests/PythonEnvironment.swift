import Foundation

/// The Python interpreters the interchange tests check our files with: a venv per package set, made by
/// `python3 -m venv` and `pip install` the first time a test asks for it and kept under a cache directory
/// (`DIST_TRAIN_TEST_VENVS`, default `~/.cache/dist-train/test-venvs`), keyed by the package set, so one test run
/// installs each set once and later runs reuse it. The tests are skipped, with the reason printed, only when the
/// set is not there and PyPI cannot be reached; a pip failure with PyPI reachable fails the test.
enum PythonEnvironment {
    /// onnx, onnxruntime and tensorboard (with numpy): about 40 s to install from PyPI on the development machine.
    static let tools = ["numpy", "onnx", "onnxruntime", "tensorboard"]

    /// PyTorch and numpy from PyPI (the only package index the project's machines and CI reach; its Linux wheel
    /// brings CUDA libraries too, about 5.6 GB and 3 minutes once, then cached). `DIST_TRAIN_TORCH_PYTHON` names an
    /// interpreter that has them already (e.g. a shared torch venv).
    static let torch = ["numpy", "torch"]

    /// Whether the tests can run: the venvs exist or PyPI answers (checked once).
    static let available: Bool = {
        if ProcessInfo.processInfo.environment["DIST_TRAIN_TORCH_PYTHON"] != nil && ready(tools) { return true }
        if ready(tools) && ready(torch) { return true }
        let reachable = (try? run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c",
            "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/pip/', timeout=15)"]).status) == 0
        if !reachable { print("PythonEnvironment: skipping the Python interchange tests: PyPI (pypi.org) is unreachable") }
        return reachable
    }()

    private static let lock = NSLock()

    static var cacheRoot: URL {
        if let root = ProcessInfo.processInfo.environment["DIST_TRAIN_TEST_VENVS"] { return URL(fileURLWithPath: root) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/dist-train/test-venvs")
    }

    private static func directory(_ packages: [String]) -> URL {
        cacheRoot.appendingPathComponent(packages.sorted().joined(separator: "-"))
    }

    private static func ready(_ packages: [String]) -> Bool {
        FileManager.default.isExecutableFile(atPath: directory(packages).appendingPathComponent("bin/python").path)
    }

    /// The interpreter of the venv for `packages`, made now if missing (under a lock, into a temporary directory
    /// that is renamed when complete, so an interrupted install is never taken for a finished one).
    static func python(_ packages: [String]) throws -> URL {
        if packages == torch, let given = ProcessInfo.processInfo.environment["DIST_TRAIN_TORCH_PYTHON"] {
            return URL(fileURLWithPath: given)
        }
        lock.lock()
        defer { lock.unlock() }
        let target = directory(packages)
        let python = target.appendingPathComponent("bin/python")
        if FileManager.default.isExecutableFile(atPath: python.path) { return python }
        try FileManager.default.createDirectory(at: cacheRoot, withIntermediateDirectories: true)
        let partial = cacheRoot.appendingPathComponent("\(target.lastPathComponent).partial-\(getpid())")
        try? FileManager.default.removeItem(at: partial)
        let started = Date()
        let venv = try run(URL(fileURLWithPath: "/usr/bin/python3"), ["-m", "venv", partial.path])
        guard venv.status == 0 else { throw Failure("python3 -m venv failed (install python3-venv): \(venv.error)") }
        let pip = try run(partial.appendingPathComponent("bin/pip"), ["install", "--quiet"] + packages)
        guard pip.status == 0 else { throw Failure("pip install \(packages.joined(separator: " ")) failed: \(pip.error)") }
        // Only the finished tree gets the final name (its `bin/python` and `pyvenv.cfg` work there; the pip script's
        // first line still names the temporary path, and the tests run `bin/python` only). Another process that
        // finished first keeps its own.
        do {
            try FileManager.default.moveItem(at: partial, to: target)
        } catch {
            try? FileManager.default.removeItem(at: partial)
        }
        print("PythonEnvironment: made \(target.path) in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        return python
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs `tool arguments` and returns its status and output.
    @discardableResult
    static func run(_ tool: URL, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (out, err) = (folder.appendingPathComponent("out"), folder.appendingPathComponent("err"))
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
