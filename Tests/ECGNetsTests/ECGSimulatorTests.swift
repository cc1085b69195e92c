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
