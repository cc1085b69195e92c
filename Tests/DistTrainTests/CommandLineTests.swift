import Foundation
import Testing

/// What a user sees from the command line: help, bad flags, and the bench's JSON.
@Suite struct CommandLineTests {
    @Test func helpListsTheCommands() throws {
        let result = try CommandRunner.run(["--help"])
        #expect(result.status == 0)
        for command in ["train", "prepare", "dataset", "evaluate", "predict", "score", "inspect", "synth", "bench", "check-mpi"] { #expect(result.output.contains(command)) }
    }

    @Test(arguments: [
        (["bench", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["train", "--model", "resnet50"], "resnet50"),
        (["train", "--widths", "8,16"], "--widths needs 4 positive integers"),
        (["train", "--threads", "0"], "--threads must be at least 1"),
        (["train", "--lr-schedule", "step"], "step"),
        (["train", "--plateau-factor", "2"], "--plateau-factor must be in (0, 1)"),
        (["train", "--normalization", "minmax"], "minmax"),
        (["train", "--gaussian-noise", "1.5"], "Gaussian noise"),
        (["train", "--bucket-mib", "0"], "--bucket-mib must be positive"),
    ])
    func badFlagsAreExplained(arguments: [String], message: String) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status != 0)
        #expect(result.error.contains(message), "stderr: \(result.error)")
    }

    @Test func benchPrintsJSON() throws {
        let result = try CommandRunner.run(["bench", "--model", "resnet18", "--batch-size", "2", "--length", "256", "--steps", "1",
                                            "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.error)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        for key in ["trainSamplesPerSecond", "inferSamplesPerSecond", "trainGFLOPS", "inferGFLOPS", "peakResidentMiB"] {
            let value = object?[key] as? Double
            #expect(value != nil && value! > 0, "\(key) = \(String(describing: value))")
        }
        // DESIGN.md §8: ResNet18-1D has 8.8 M parameters.
        #expect((8_750_000..<8_850_000).contains(object?["parameters"] as? Int ?? 0))
    }
}
