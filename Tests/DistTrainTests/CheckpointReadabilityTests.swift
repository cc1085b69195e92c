import Foundation
import Testing

/// Must-hold 4: checkpoints open in the standard tools. `ncdump -h` shows the schema, and Python's netCDF4 (Debian's
/// python3-netcdf4, an independent reader on the same C library) reads back exactly the parameters training
/// produced and recomputes the digest `train` and `inspect` print.
@Suite(.serialized) struct CheckpointReadabilityTests {
    static let arguments = ["--widths", "8,16,16,32", "--length", "400", "--data", TestDatasets.simulated400, "--batch-size", "8",
                            "--max-steps", "3", "--threads", "1", "--progress", "lines",
                            "--parameters-out", "parameters.bin"]

    @Test func ncdumpShowsTheSchema() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try CommandRunner.run(Self.arguments, in: directory)
        #expect(run.status == 0, "\(run.error)")
        let header = try Self.execute("/usr/bin/ncdump", ["-h", directory.appendingPathComponent("checkpoints/step-000003.nc").path])
        for expected in ["float stem.0.weight(channels_8, channels_12, kernel_15)", "float body.3.down.1.running_var(channels_16)",
                         "float fc.weight(channels_27, channels_32)", "int64 rank_state(rank, word)", "double thresholds(classes)",
                         ":model = \"resnet34\"", ":global_step = 3LL", "group: optimizer", ":kind = \"adam\"", "group: m",
                         "group: v"] {
            #expect(header.contains(expected), "ncdump -h lacks \(expected)")
        }
    }

    @Test func pythonNetCDF4ReadsTheParameters() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try CommandRunner.run(Self.arguments, in: directory)
        #expect(run.status == 0, "\(run.error)")
        let printed = try #require(CheckpointResumeTests.digest(in: run.output))
        // FNV-1a 64 written out in Python from its published definition, over the variables in file order.
        let script = """
            import json, sys, netCDF4, numpy as np
            with netCDF4.Dataset(sys.argv[1]) as ds:
                tensors = [v for name, v in ds.variables.items() if name not in ("thresholds", "rank_state")]
                h = 0xcbf29ce484222325
                for v in tensors:
                    for byte in np.asarray(v[:], dtype="<f4").tobytes():
                        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
                fc = np.asarray(ds["fc.weight"][:], dtype="<f4")
                print(json.dumps({"digest": "fnv1a64:%016x" % h, "fc_weight_shape": list(fc.shape),
                                  "fc_weight_bits": fc.view("<u4").ravel().tolist(),
                                  "adam_m_shape": list(ds["optimizer/m/fc.weight"].shape),
                                  "thresholds": np.asarray(ds["thresholds"][:]).tolist()}))
            """
        let output = try Self.execute("/usr/bin/python3", ["-c", script, directory.appendingPathComponent("checkpoints/step-000003.nc").path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        #expect(object["digest"] as? String == printed)
        #expect(object["fc_weight_shape"] as? [Int] == [27, 32])
        #expect(object["adam_m_shape"] as? [Int] == [27, 32])
        // fc.weight [27, 32] and fc.bias [27] are the last entries of the state_dict order --parameters-out writes.
        let ours = try Data(contentsOf: directory.appendingPathComponent("parameters.bin")).withUnsafeBytes {
            Array($0.bindMemory(to: UInt32.self))
        }
        let fcWeight = Array(ours[(ours.count - 27 - 27 * 32)..<(ours.count - 27)]).map(Int.init)
        #expect(object["fc_weight_bits"] as? [Int] == fcWeight)

        let inspect = try CommandRunner.run(["inspect", "--json", "checkpoints/step-000003.nc"], in: directory)
        #expect(inspect.status == 0, "\(inspect.error)")
        let description = try #require(try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as? [String: Any])
        #expect(description["digest"] as? String == printed)
        #expect(description["globalStep"] as? Int == 3 && description["model"] as? String == "resnet34")
        let model = try #require(description["modelConfiguration"] as? [String: Any], "\(inspect.output)")
        let resnet = try #require(model["configuration"] as? [String: Any], "\(model)")
        #expect(model["architecture"] as? String == "resnet1d" && description["architecture"] as? String == "resnet1d")
        #expect(resnet["widths"] as? [Int] == [8, 16, 16, 32] && description["classes"] as? Int == 27)
        #expect(description["formatVersion"] as? Int == 2)
        #expect(description["parameters"] as? Int == 81_547, "the tiny reference network of DESIGN.md §7 has 81,547 parameters")
        // The run validated at its last step and stored thresholds tuned there (float64): both readers see the same ones.
        let thresholds = try #require(object["thresholds"] as? [Double])
        #expect(thresholds.count == 27 && thresholds == description["thresholds"] as? [Double])
        #expect(thresholds.contains { $0 != 0.5 }, "validation tunes some thresholds away from 0.5: \(thresholds)")
    }

    /// Runs a tool and returns its standard output; fails the test with its standard error otherwise.
    static func execute(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0,
                     "\(tool) failed (\(process.terminationStatus)): \(String(decoding: message, as: UTF8.self)) — install netcdf-bin and python3-netcdf4 (launch/setup)")
        return String(decoding: data, as: UTF8.self)
    }
}
