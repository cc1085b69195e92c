import Foundation

/// The small prepared dataset the train tests share: 400 simulated records (seed 1; train 320, validation 40,
/// test 40 by the default 80/10/10 split), made once per test process with `dist-train prepare`.
enum TestDatasets {
    /// Its path. If preparing fails, the path of a file that does not exist, so every test that uses it fails with
    /// train's message naming the missing file (and the preparation's own error is printed here).
    static let simulated400: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-test-data-\(UUID().uuidString)")
        let file = directory.appendingPathComponent("simulated-400.nc")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let result = try CommandRunner.run(["prepare", "--simulated", "400", "--seed", "1", "--out", file.path], timeout: 300)
            if result.status != 0 { print("TestDatasets: prepare failed (\(result.status)): \(result.error)") }
        } catch {
            print("TestDatasets: could not run prepare: \(error)")
        }
        return file.path
    }()
}
