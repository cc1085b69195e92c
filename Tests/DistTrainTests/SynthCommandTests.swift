import ECGNets
import Foundation
import Testing

/// `dist-train synth` writes Challenge-format records that read back with their drawn labels, the same bytes
/// for the same seed.
@Suite struct SynthCommandTests {
    @Test func sameSeedSameBytesAndLabelsReadBack() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["a", "b", "c"] {
            let seed = name == "c" ? "8" : "7"
            let result = try CommandRunner.run(["synth", "--out", directory.appendingPathComponent(name).path, "--records", "12", "--seed", seed])
            #expect(result.status == 0, "\(result.error)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("a").path).sorted()
        #expect(files.count == 24 && files.first == "SIM00001.hea")
        var differs = false
        for file in files {
            let a = try Data(contentsOf: directory.appendingPathComponent("a/\(file)"))
            let b = try Data(contentsOf: directory.appendingPathComponent("b/\(file)"))
            let c = try Data(contentsOf: directory.appendingPathComponent("c/\(file)"))
            #expect(a == b, "\(file) differs between runs")
            if a != c { differs = true }
        }
        #expect(differs, "another seed must give other records")
        let simulator = ECGSimulator(seed: 7)
        for index in [0, 5, 11] {
            let record = try ECGRecord.load(headerAt: directory.appendingPathComponent(String(format: "a/SIM%05d.hea", index + 1)))
            let simulation = simulator.record(at: index)
            #expect(record.leadNames == SimulatedECG.leadNames && record.sampleCount == simulation.sampleCount)
            #expect(record.diagnosisCodes == simulation.dxCodes)
            // Written at 1000 adu/mV: read back to within half a quantisation step (0.5 µV).
            let worst = zip(record.signals.joined(), simulation.leads.joined()).map { abs($0 - $1) }.max() ?? 1
            #expect(worst <= 0.0005 + 1e-6, "largest difference \(worst) mV")
        }
    }

    @Test func badPrefixIsExplained() throws {
        let result = try CommandRunner.run(["synth", "--out", "/tmp/unused", "--prefix", "a/b"])
        #expect(result.status != 0 && result.error.contains("--prefix must be letters, digits or underscores"))
    }
}
