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

    /// `--class-weights FILE` draws the mix the file asks for, exactly as the library's simulator with those
    /// weights, and a bad file is refused by name and line.
    @Test func classWeightsFileChoosesTheMix() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = directory.appendingPathComponent("weights.txt")
        try "AF 0\nPAC 4\n".write(to: weights, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("records")
        let result = try CommandRunner.run(["synth", "--out", out.path, "--records", "40", "--seed", "3",
                                            "--class-weights", weights.path])
        #expect(result.status == 0, "\(result.error)")
        let simulator = try ECGSimulator(seed: 3, configuration: ECGSimulator.Configuration(
            classWeights: [.atrialFibrillation: 0, .prematureAtrialContractions: 4]))
        var fibrillation = 0, atrial = 0
        for index in 0..<40 {
            let record = try ECGRecord.load(headerAt: out.appendingPathComponent(String(format: "SIM%05d.hea", index + 1)))
            #expect(record.diagnosisCodes == simulator.record(at: index).dxCodes, "record \(index + 1)")
            if record.diagnosisCodes.contains("164889003") { fibrillation += 1 }
            if record.diagnosisCodes.contains("284470004") { atrial += 1 }
        }
        #expect(fibrillation == 0 && atrial >= 4, "AF \(fibrillation), PAC \(atrial) of 40")
        try "PAC many\n".write(to: weights, atomically: true, encoding: .utf8)
        let bad = try CommandRunner.run(["synth", "--out", out.path, "--records", "2", "--class-weights", weights.path])
        #expect(bad.status != 0 && bad.error.contains("weights.txt line 1"), "\(bad.error)")
    }

    @Test func badPrefixIsExplained() throws {
        let result = try CommandRunner.run(["synth", "--out", "/tmp/unused", "--prefix", "a/b"])
        #expect(result.status != 0 && result.error.contains("--prefix must be letters, digits or underscores"))
    }
}
