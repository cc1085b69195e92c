import ECGNets
import Foundation
import Testing

/// Determinism, format and label bookkeeping of `ECGSimulator`; what the labels mean in the signals is checked by
/// `SimulatedECGMeasurementTests`.
@Suite struct ECGSimulatorTests {
    @Test func sameSeedAndIndexGiveTheSameRecordBitForBit() {
        let first = ECGSimulator(seed: 2024).record(at: 17)
        let other = ECGSimulator(seed: 2024)
        // Records are independent of which others were generated before.
        _ = other.record(at: 3)
        _ = other.record(at: 18)
        let second = other.record(at: 17)
        #expect(first.leads.map { $0.map(\.bitPattern) } == second.leads.map { $0.map(\.bitPattern) })
        #expect(first.dxCodes == second.dxCodes)
        #expect(first.age == second.age && first.sex == second.sex)
        #expect(first.truth.rrIntervals == second.truth.rrIntervals)
        #expect(first.truth.qrsAxis == second.truth.qrsAxis)
    }

    /// Normal PR intervals and QRS durations vary between patients as in Mason et al. 2007 (J. Electrocardiol.
    /// 40:228–234; 2nd–98th percentiles of 46,129 low-risk subjects: PR 113–212 ms, QRS 69–109 ms), cut to the
    /// normal classes' guard bands (PR 125–190 ms, QRS 75–100 ms): the mean and standard deviation over 600
    /// records are those of that cut normal distribution, computed here from its formula, within three standard
    /// errors (a uniform draw over the band has a standard deviation 14 % larger for PR, 12 % for QRS).
    @Test func normalIntervalsFollowPublishedPopulationStatistics() {
        /// Mean and standard deviation of the normal distribution with 2nd and 98th percentiles `p2`, `p98`, cut
        /// to `low...high`.
        func truncatedNormal(p2: Double, p98: Double, low: Double, high: Double) -> (mean: Double, sd: Double) {
            let mean = (p2 + p98) / 2, sd = (p98 - p2) / (2 * 2.054)
            let a = (low - mean) / sd, b = (high - mean) / sd
            func density(_ x: Double) -> Double { exp(-x * x / 2) / (2 * Double.pi).squareRoot() }
            func cumulative(_ x: Double) -> Double { (1 + erf(x / 2.0.squareRoot())) / 2 }
            let mass = cumulative(b) - cumulative(a)
            let shift = (density(a) - density(b)) / mass
            let variance = 1 + (a * density(a) - b * density(b)) / mass - shift * shift
            return (mean + sd * shift, sd * variance.squareRoot())
        }
        func check(_ values: [Double], _ expected: (mean: Double, sd: Double), _ name: String) {
            let count = Double(values.count)
            let mean = values.reduce(0, +) / count
            let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (count - 1)).squareRoot()
            #expect(values.count >= 150, "\(name): \(values.count) values")
            #expect(abs(mean - expected.mean) < 3 * expected.sd / count.squareRoot(), "\(name): mean \(mean) vs \(expected.mean)")
            // The standard error of a standard deviation is about sd / sqrt(2n).
            #expect(abs(sd - expected.sd) < 3 * expected.sd / (2 * count).squareRoot(), "\(name): SD \(sd) vs \(expected.sd)")
        }
        let simulator = ECGSimulator(seed: 16)
        let records = (0..<600).map { simulator.record(at: $0) }
        let blocks: Set<ECGCondition> = [.rightBundleBranchBlock, .leftBundleBranchBlock, .incompleteRightBundleBranchBlock,
                                         .nonspecificIntraventricularConductionDisorder, .pacingRhythm]
        let pr = records.filter { !$0.conditions.contains(.firstDegreeAVBlock) }.compactMap(\.truth.prInterval)
        check(pr, truncatedNormal(p2: 0.113, p98: 0.212, low: 0.125, high: 0.19), "PR")
        let qrs = records.filter { Set($0.conditions).isDisjoint(with: blocks) }.map(\.truth.qrsDuration)
        check(qrs, truncatedNormal(p2: 0.069, p98: 0.109, low: 0.075, high: 0.1), "QRS")
        #expect(pr.allSatisfy { (0.125...0.19).contains($0) } && qrs.allSatisfy { (0.075...0.1).contains($0) })
    }

    /// Recording artifacts (`Configuration.artifacts`, off by default) on 300 records: each kind drawn about as
    /// often as stated (within about three binomial standard deviations), each exactly what the truth says in the
    /// difference from the same record without artifacts, and records that drew none identical to it.
    @Test func artifactsAreWhatTheTruthSaysTheyAre() throws {
        let plain = ECGSimulator(seed: 31)
        let faulty = try ECGSimulator(seed: 31, configuration: ECGSimulator.Configuration(artifacts: true))
        var motion = 0, mains = 0, saturation = 0, flat = 0
        for index in 0..<300 {
            let clean = plain.record(at: index), record = faulty.record(at: index)
            let artifacts = record.truth.artifacts
            #expect(record.dxCodes == clean.dxCodes)
            let difference = zip(record.leads, clean.leads).map { zip($0, $1).map { Double($0) - Double($1) } }
                if artifacts.isEmpty {
                #expect(record.leads == clean.leads, "record \(index): no artifacts drawn, the same samples")
                continue
            }
            let only = [!artifacts.motions.isEmpty, artifacts.mainsFrequency != nil, artifacts.saturation != nil,
                        artifacts.flatLead != nil].filter { $0 }.count == 1
            if let lead = artifacts.flatLead {
                flat += 1
                #expect(record.leads[lead].allSatisfy { $0 == 0 }, "record \(index): lead \(lead) is flat")
            }
            if artifacts.saturation != nil {
                saturation += 1
                let limit = Float(RecordingArtifacts.saturationLimit)
                #expect(record.leads.allSatisfy { $0.allSatisfy { abs($0) <= limit } }, "record \(index)")
                let pinned = record.leads.map { $0.filter { abs($0) == limit }.count }.max() ?? 0
                #expect(pinned >= 100, "record \(index): \(pinned) samples at the limit (0.2 s)")
            }
            if let electrode = artifacts.motions.first?.electrode {
                motion += 1
                #expect(artifacts.motions.allSatisfy { $0.electrode == electrode })
                if only {
                    // Each lead sees the electrode's motion times its weight in that lead: a chest electrode only
                    // in its own lead; a limb electrode in the limb leads by Einthoven's and Goldberger's
                    // formulas and in every chest lead through Wilson's terminal (a third, with the sign flipped).
                    let weights: [Double] = switch electrode {
                    case 0: [-1, -1, 0, 1, -0.5, -0.5] + Array(repeating: -1.0 / 3, count: 6)
                    case 1: [1, 0, -1, -0.5, 1, -0.5] + Array(repeating: -1.0 / 3, count: 6)
                    case 2: [0, 1, 1, -0.5, -0.5, 1] + Array(repeating: -1.0 / 3, count: 6)
                    default: (0..<12).map { $0 == 6 + electrode - 3 ? 1.0 : 0 }
                    }
                    let reference = weights.firstIndex { abs($0) == 1 }!
                    let motionSignal = difference[reference].map { $0 / weights[reference] }
                    #expect((motionSignal.map(abs).max() ?? 0) > 0.15, "record \(index): electrode \(electrode)")
                    for lead in 0..<12 {
                        let miss = zip(difference[lead], motionSignal).map { abs($0 - weights[lead] * $1) }.max() ?? 0
                        #expect(miss < 1e-5, "record \(index): lead \(lead) misses the motion of electrode \(electrode) by \(miss) mV")
                    }
                }
            }
            if let frequency = artifacts.mainsFrequency {
                mains += 1
                #expect(frequency == 50 || frequency == 60)
                if only {
                    // The difference in lead II is a sinusoid at the mains frequency: least squares on sin and cos.
                    let omega = 2 * Double.pi * frequency / record.samplingRate
                    let s = (0..<record.sampleCount).map { sin(omega * Double($0)) }
                    let c = (0..<record.sampleCount).map { cos(omega * Double($0)) }
                    let d = difference[1]
                    func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).map(*).reduce(0, +) }
                    let (ss, cc, sc) = (dot(s, s), dot(c, c), dot(s, c)), (ds, dc) = (dot(d, s), dot(d, c))
                    let determinant = ss * cc - sc * sc
                    let a = (ds * cc - dc * sc) / determinant, b = (dc * ss - ds * sc) / determinant
                    let residual = zip(d, zip(s, c)).map { $0 - a * $1.0 - b * $1.1 }.map(abs).max() ?? 0
                    let amplitude = (a * a + b * b).squareRoot()
                    #expect(amplitude > 1e-4 && residual < 1e-5 + 0.01 * amplitude,
                            "record \(index): \(frequency) Hz of \(amplitude) mV, residual \(residual) mV")
                }
            }
        }
        // Expected 75, 90, 12 and 9 of 300.
        #expect((50...100).contains(motion), "\(motion) records with electrode motion")
        #expect((65...115).contains(mains), "\(mains) records with mains interference")
        #expect((3...24).contains(saturation), "\(saturation) saturated records")
        #expect((2...20).contains(flat), "\(flat) records with a flat lead")
    }

    /// Class weights choose the mix (issue 16): over 300 records of one seed, weight 0 never draws atrial
    /// fibrillation, and weight 3 on PACs (odds tripled where they can be drawn) raises their count by half or more; a
    /// weights file reads by abbreviation or SNOMED-CT code, and a bad line is refused by file and line number.
    @Test func classWeightsChooseTheMix() throws {
        let plain = ECGSimulator(seed: 12)
        let weighted = try ECGSimulator(seed: 12, configuration: ECGSimulator.Configuration(
            classWeights: [.prematureAtrialContractions: 3, .atrialFibrillation: 0]))
        var counts: [String: Int] = [:]
        for index in 0..<300 {
            for (name, simulator) in [("plain", plain), ("weighted", weighted)] {
                for condition in simulator.record(at: index).conditions { counts["\(name) \(condition.abbreviation)", default: 0] += 1 }
            }
        }
        #expect(counts["plain AF", default: 0] >= 20 && counts["weighted AF", default: 0] == 0, "\(counts)")
        let pac = (counts["plain PAC", default: 0], counts["weighted PAC", default: 0])
        #expect(pac.0 >= 10 && 2 * pac.1 >= 3 * pac.0, "PACs \(pac)")

        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("weights.txt")
        try "# my mix\nPAC 3\n164889003,0   # AF by code\n\nsa\t2.5\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try ECGSimulator.Configuration.classWeights(contentsOf: file)
                == [.prematureAtrialContractions: 3, .atrialFibrillation: 0, .sinusArrhythmia: 2.5])
        for (text, expected) in [("PAC 3\nPVC three\n", ECGSimulatorError.badClassWeightLine(file.path, line: 2, "PVC three")),
                                 ("XYZ 2\n", .unknownWeightedClass(file.path, line: 1, "XYZ")),
                                 ("PAC -1\n", .badClassWeightLine(file.path, line: 1, "PAC -1"))] {
            try text.write(to: file, atomically: true, encoding: .utf8)
            #expect(throws: expected) { try ECGSimulator.Configuration.classWeights(contentsOf: file) }
        }
        #expect(throws: ECGSimulatorError.invalidClassWeight("PAC", -1)) {
            try ECGSimulator(seed: 1, configuration: ECGSimulator.Configuration(classWeights: [.prematureAtrialContractions: -1]))
        }
    }

    @Test func differentSeedsAndIndicesGiveDifferentRecords() {
        let reference = ECGSimulator(seed: 2024).record(at: 17).leads
        let otherSeed = ECGSimulator(seed: 2025).record(at: 17).leads
        let otherIndex = ECGSimulator(seed: 2024).record(at: 16).leads
        let negativeIndex = ECGSimulator(seed: 2024).record(at: -17).leads
        for other in [otherSeed, otherIndex, negativeIndex] {
            let differing = zip(reference[1], other[1]).filter { $0 != $1 }.count
            #expect(differing > reference[1].count * 9 / 10)
        }
    }

    @Test func twoHundredRecordsHaveTheStandardFormatAndCoherentLabels() {
        let simulator = ECGSimulator(seed: 7)
        let rhythms: Set<ECGCondition> = [.sinusRhythm, .sinusBradycardia, .sinusTachycardia, .atrialFibrillation,
                                          .atrialFlutter, .bradycardia, .pacingRhythm]
        for index in 0..<200 {
            let record = simulator.record(at: index)
            #expect(record.leads.count == 12)
            #expect(record.leads.allSatisfy { $0.count == 5000 })
            #expect(record.samplingRate == 500 && record.duration == 10)
            #expect(record.leads.allSatisfy { lead in lead.allSatisfy { $0.isFinite && abs($0) < 10 } })
            #expect((18...95).contains(record.age))
            #expect(["Male", "Female"].contains(record.sex))

            let conditions = Set(record.conditions)
            #expect(conditions.intersection(rhythms).count == 1, "record \(index): one rhythm, \(record.dxCodes)")
            #expect(!(conditions.contains(.rightBundleBranchBlock) && conditions.contains(.leftBundleBranchBlock)))
            #expect(!(conditions.contains(.leftAxisDeviation) && conditions.contains(.rightAxisDeviation)))
            if conditions.contains(.firstDegreeAVBlock) {
                #expect(record.truth.rhythm == .sinus, "AV block is only drawn with P waves")
            }
            #expect(conditions.contains(.firstDegreeAVBlock) == conditions.contains(.prolongedPRInterval))
            if conditions.contains(.leftAnteriorFascicularBlock) { #expect(conditions.contains(.leftAxisDeviation)) }
            #expect(conditions.intersection([.rightBundleBranchBlock, .leftBundleBranchBlock,
                                             .incompleteRightBundleBranchBlock,
                                             .nonspecificIntraventricularConductionDisorder]).count <= 1)
            #expect(record.conditions == ECGCondition.allCases.filter(conditions.contains), "codes in a fixed order")

            // The ground truth agrees with itself: RR intervals are the gaps between the listed beats.
            let onsets = record.truth.beats.map(\.qrsOnset)
            #expect(onsets.allSatisfy { (0..<10).contains($0) })
            #expect(zip(onsets.dropFirst(), onsets).map { $0 - $1 } == record.truth.rrIntervals)
            #expect(record.truth.rhythm == .sinus ? record.truth.prInterval != nil : record.truth.prInterval == nil)
            let atrialWaves = record.truth.rhythm == .atrialFibrillation || record.truth.rhythm == .atrialFlutter
            #expect(atrialWaves ? record.truth.atrialRate != nil : record.truth.atrialRate == nil)
        }
    }

    @Test func conditionsUseTheScoredChallengeCodesAndAbbreviations() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/challenge-2020/dx_mapping_scored.csv")
        let rows = try String(contentsOf: fixture, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let abbreviationByCode = Dictionary(uniqueKeysWithValues: rows.map { ($0[1], $0[2]) })
        for condition in ECGCondition.allCases {
            #expect(abbreviationByCode[condition.snomedCode] == condition.abbreviation, "\(condition)")
        }
    }

    @Test func otherFormatsHaveTheirSampleCounts() throws {
        let simulator = try ECGSimulator(seed: 1, configuration: .init(samplingRate: 257, duration: 30))
        let record = simulator.record(at: 0)
        #expect(record.leads.allSatisfy { $0.count == 7710 })
        #expect(record.samplingRate == 257)
        #expect(record.truth.beats.last.map { $0.qrsOnset > 25 } == true)
    }

    @Test func powerlineInterferenceAddsOnlyAMainsSinusoid() throws {
        let plain = ECGSimulator(seed: 3).record(at: 9)
        let humming = try ECGSimulator(seed: 3, configuration: .init(powerlineFrequency: 50)).record(at: 9)
        #expect(plain.dxCodes == humming.dxCodes)
        for lead in [0, 1, 6] {
            let difference = zip(humming.leads[lead], plain.leads[lead]).map { Double($0 - $1) }
            // Project the difference on sine and cosine at 50 Hz and at neighbouring frequencies.
            func power(at frequency: Double) -> Double {
                var cosine = 0.0, sine = 0.0
                for (index, value) in difference.enumerated() {
                    let phase = 2 * Double.pi * frequency * Double(index) / 500
                    cosine += value * cos(phase)
                    sine += value * sin(phase)
                }
                return cosine * cosine + sine * sine
            }
            let total = difference.reduce(0) { $0 + $1 * $1 } * Double(difference.count) / 2
            // A pure 50-Hz sinusoid over whole periods puts all its energy at 50 Hz (Parseval).
            #expect(power(at: 50) > 0.999 * total, "lead \(lead)")
            #expect(power(at: 45) < 1e-6 * power(at: 50))
        }
    }

    @Test func unsupportedFormatsAreRejectedWithAnExplanation() {
        let cases: [(ECGSimulator.Configuration, ECGSimulatorError)] = [
            (.init(samplingRate: 0), .unsupportedSamplingRate(0)),
            (.init(samplingRate: .nan), .unsupportedSamplingRate(.nan)),
            (.init(duration: -1), .unsupportedDuration(-1)),
            (.init(duration: 3601), .unsupportedDuration(3601)),
            (.init(samplingRate: 100, powerlineFrequency: 60), .unsupportedPowerlineFrequency(60, samplingRate: 100)),
        ]
        for (configuration, expected) in cases {
            do {
                _ = try ECGSimulator(seed: 0, configuration: configuration)
                Issue.record("\(configuration) was accepted")
            } catch let error as ECGSimulatorError {
                #expect(error.description == expected.description)
                #expect(error.description.contains("choose") || error.description.contains("use"))
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
