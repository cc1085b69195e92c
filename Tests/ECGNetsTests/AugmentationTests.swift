import DistTensor
import ECGNets
import Foundation
import Testing

@Suite struct AugmentationTests {
    private typealias Support = PreprocessingTestSupport

    private static func key(_ index: Int) -> TrainingSampleKey {
        TrainingSampleKey(seed: 2024, rank: 0, epoch: 1, recordIndex: index)
    }

    /// `window` augmented by `policy` at 500 Hz with `key`.
    private static func augmented(_ window: ECGWindow, _ policy: AugmentationPolicy,
                                  key: TrainingSampleKey = key(0)) throws -> ECGWindow {
        var copy = window
        try ECGAugmenter(policy: policy, samplingFrequency: 500).apply(to: &copy, key: key)
        return copy
    }

    /// Every augmentation at full strength but probability 0 leaves the window bit-for-bit unchanged.
    @Test func zeroProbabilitiesAreTheIdentity() throws {
        let window = try Support.e07500Window()
        let strong = AugmentationPolicy(
            amplitudeScaling: AmplitudeScaling(probability: 0, maximumChange: 0.9, perLead: true),
            baselineWander: BaselineWander(probability: 0, maximumAmplitude: 5),
            gaussianNoise: GaussianNoise(probability: 0, standardDeviation: 3, scale: .absolute),
            timeShift: TimeShift(probability: 0, maximumShift: 5),
            leadDropout: LeadDropout(probability: 0, maximumLeads: 11))
        for index in 0..<20 {
            #expect(try Self.augmented(window, strong, key: Self.key(index)) == window)
            #expect(try Self.augmented(window, .none, key: Self.key(index)) == window)
        }
    }

    /// Whole-record scaling multiplies every lead by the same gain in [1 - m, 1 + m]; per-lead scaling by a
    /// different gain per lead; the gains vary between keys and fill the range.
    @Test(arguments: [false, true])
    func amplitudeScalingMultipliesByADrawnGain(perLead: Bool) throws {
        let window = try Support.e07500Window()
        let policy = AugmentationPolicy(amplitudeScaling: AmplitudeScaling(probability: 1, maximumChange: 0.3,
                                                                           perLead: perLead))
        var allGains: [Double] = []
        for index in 0..<40 {
            let output = try Self.augmented(window, policy, key: Self.key(index))
            var gains: [Double] = []
            for lead in 0..<12 {
                let pairs = zip(window.lead(lead), output.lead(lead)).filter { abs($0.0) > 0.05 }
                let ratios = pairs.map { Double($0.1) / Double($0.0) }
                let gain = try #require(ratios.first)
                #expect(ratios.allSatisfy { abs($0 - gain) < 1e-6 }, "one gain per lead")
                #expect(gain >= 0.7 - 1e-6 && gain <= 1.3 + 1e-6)
                gains.append(gain)
            }
            let spread = (gains.max() ?? 0) - (gains.min() ?? 0)
            #expect(perLead ? spread > 1e-3 : spread < 1e-6)
            allGains.append(gains[0])
        }
        #expect((allGains.min() ?? 1) < 0.8 && (allGains.max() ?? 1) > 1.2)
    }

    /// Absolute noise of sigma 0.1 mV: the added values have mean 0 and variance 0.01 over 60,000 samples
    /// (standard errors 4e-4 and 0.58 %; bounds about 5 of them).
    @Test func absoluteNoiseHasTheRequestedVariance() throws {
        let window = try Support.e07500Window()
        let policy = AugmentationPolicy(gaussianNoise: GaussianNoise(probability: 1, standardDeviation: 0.1,
                                                                     scale: .absolute))
        let output = try Self.augmented(window, policy)
        let noise = zip(output.samples, window.samples).map { $0 - $1 }
        #expect(abs(Support.mean(noise)) < 0.002)
        #expect(abs(Support.standardDeviation(noise) * Support.standardDeviation(noise) / 0.01 - 1) < 0.03)
    }

    /// Relative noise of 0.2: in each lead the added noise's deviation is 0.2 times the lead's own (5000
    /// samples: standard error of a deviation 1 %; bound 5 %).
    @Test func relativeNoiseScalesWithEachLead() throws {
        let window = try Support.e07500Window()
        let policy = AugmentationPolicy(gaussianNoise: GaussianNoise(probability: 1, standardDeviation: 0.2,
                                                                     scale: .relativeToLead))
        let output = try Self.augmented(window, policy)
        for lead in 0..<12 {
            let noise = zip(output.lead(lead), window.lead(lead)).map { $0 - $1 }
            let ratio = Support.standardDeviation(noise) / Support.standardDeviation(window.lead(lead))
            #expect(abs(ratio / 0.2 - 1) < 0.05, "lead \(lead): ratio \(ratio)")
        }
    }

    /// The energy of the added wander, Hann-windowed, lies below 1 Hz (DFT bins 0...10 of 0.1 Hz), its peak
    /// stays within the maximum amplitude, and a single 0.3 Hz sinusoid peaks in the 0.3 Hz bin in every lead.
    @Test func baselineWanderIsSlowAndBounded() throws {
        let window = try Support.e07500Window()
        let wide = AugmentationPolicy(baselineWander: BaselineWander(probability: 1, maximumAmplitude: 0.5,
                                                                     lowestFrequency: 0.05, highestFrequency: 0.9,
                                                                     sinusoidCount: 3))
        let single = AugmentationPolicy(baselineWander: BaselineWander(probability: 1, maximumAmplitude: 0.5,
                                                                       lowestFrequency: 0.3, highestFrequency: 0.3,
                                                                       sinusoidCount: 1))
        let hann = (0..<5000).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / 5000) }
        func spectrum(_ wander: [Double], bins: Int) -> [Double] {
            (0...bins).map { bin in
                var (real, imaginary) = (0.0, 0.0)
                for (index, value) in wander.enumerated() {
                    let angle = -2 * Double.pi * Double(bin * index) / 5000
                    real += value * hann[index] * cos(angle)
                    imaginary += value * hann[index] * sin(angle)
                }
                return real * real + imaginary * imaginary
            }
        }
        for index in 0..<3 {
            let output = try Self.augmented(window, wide, key: Self.key(index))
            var largestPeak = 0.0
            for lead in 0..<12 {
                let wander = zip(output.lead(lead), window.lead(lead)).map { Double($0) - Double($1) }
                largestPeak = max(largestPeak, wander.map(abs).max() ?? 0)
                let power = spectrum(wander, bins: 10)
                // Parseval: the sum of |X_k|^2 over all N bins is N times the windowed signal's energy.
                let total = zip(wander, hann).reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 } * 5000
                let belowOneHertz = power[0] + 2 * power[1...].reduce(0, +)
                #expect(belowOneHertz / total > 0.999, "key \(index) lead \(lead)")
            }
            #expect(largestPeak <= 0.5 + 1e-6 && largestPeak > 0.01)
        }
        let output = try Self.augmented(window, single)
        for lead in 0..<12 {
            let wander = zip(output.lead(lead), window.lead(lead)).map { Double($0) - Double($1) }
            let power = spectrum(wander, bins: 10)
            #expect(power.firstIndex(of: power.max() ?? 0) == 3, "lead \(lead)")
        }
    }

    /// The shift that maps input to output: the unique s in -limit...limit with `output == shifted(input, s)`.
    private static func measuredShifts(_ input: ECGWindow, _ output: ECGWindow, limit: Int,
                                       shifted: (ArraySlice<Float>, Int) -> [Float]) -> [Int] {
        (-limit...limit).filter { shift in
            (0..<input.leadCount).allSatisfy { shifted(input.lead($0), shift) == Array(output.lead($0)) }
        }
    }

    private static func rotated(_ lead: ArraySlice<Float>, by shift: Int, validLength: Int) -> [Float] {
        let samples = Array(lead)
        return (0..<samples.count).map { index in
            index < validLength ? samples[((index - shift) % validLength + validLength) % validLength] : samples[index]
        }
    }

    private static func zeroFilled(_ lead: ArraySlice<Float>, by shift: Int) -> [Float] {
        let samples = Array(lead)
        return (0..<samples.count).map { index in
            samples.indices.contains(index - shift) ? samples[index - shift] : 0
        }
    }

    /// Every lead moves by one shift, found by searching all candidates, within ±0.2 s (100 samples); the shift
    /// varies with the key. Circular shifts rotate; zero-fill shifts fill with zeros.
    @Test(arguments: [TimeShift.Mode.circular, .zeroFill])
    func timeShiftMovesAllLeadsTogether(mode: TimeShift.Mode) throws {
        let window = try Support.e07500Window()
        let policy = AugmentationPolicy(timeShift: TimeShift(probability: 1, maximumShift: 0.2, mode: mode))
        var shifts: Set<Int> = []
        for index in 0..<8 {
            let output = try Self.augmented(window, policy, key: Self.key(index))
            let found = Self.measuredShifts(window, output, limit: 100) { lead, shift in
                mode == .circular ? Self.rotated(lead, by: shift, validLength: 5000) : Self.zeroFilled(lead, by: shift)
            }
            #expect(found.count == 1, "key \(index): \(found)")
            shifts.formUnion(found)
        }
        #expect(shifts.count >= 6)
        #expect(shifts.contains { $0 != 0 })
    }

    /// In a padded window the circular shift rotates only the real samples; the padding stays zero.
    @Test func circularShiftKeepsPaddingAtTheEnd() throws {
        let record = try Support.e07500()
        var short = record
        short.signals = record.signals.map { Array($0.prefix(3000)) }
        let windowing = try ECGWindowing()
        let window = try windowing.window(windowing.firstPlacement(recordLength: 3000), of: short)
        let policy = AugmentationPolicy(timeShift: TimeShift(probability: 1, maximumShift: 0.5, mode: .circular))
        let output = try Self.augmented(window, policy, key: Self.key(5))
        let found = Self.measuredShifts(window, output, limit: 250) { Self.rotated($0, by: $1, validLength: 3000) }
        #expect(found.count == 1 && found != [0])
        #expect((0..<12).allSatisfy { output.lead($0).dropFirst(3000).allSatisfy { $0 == 0 } })
    }

    /// Dropped leads are exactly zero, the others untouched, between 1 and the maximum are dropped, and every count
    /// in that range occurs.
    @Test func leadDropoutZeroesWholeLeads() throws {
        let window = try Support.e07500Window()
        let policy = AugmentationPolicy(leadDropout: LeadDropout(probability: 1, maximumLeads: 3))
        var counts: Set<Int> = []
        var droppedLeads: Set<Int> = []
        for index in 0..<60 {
            let output = try Self.augmented(window, policy, key: Self.key(index))
            let dropped = (0..<12).filter { lead in output.lead(lead).allSatisfy { $0 == 0 } }
            #expect((1...3).contains(dropped.count))
            for lead in 0..<12 where !dropped.contains(lead) { #expect(output.lead(lead) == window.lead(lead)) }
            counts.insert(dropped.count)
            droppedLeads.formUnion(dropped)
        }
        #expect(counts == [1, 2, 3])
        #expect(droppedLeads.count == 12)

        let oneLead = try ECGWindowing(length: 50).window(ECGWindowPlacement(offset: 0, validLength: 50),
                                                         of: Support.indexRecord(samples: 50, leads: 1))
        #expect(try Self.augmented(oneLead, policy) == oneLead)
    }

    private static let everything = AugmentationPolicy(
        amplitudeScaling: AmplitudeScaling(probability: 0.8, maximumChange: 0.2, perLead: true),
        baselineWander: BaselineWander(probability: 0.8),
        gaussianNoise: GaussianNoise(probability: 0.8, standardDeviation: 0.05),
        timeShift: TimeShift(probability: 0.8, maximumShift: 0.5, mode: .zeroFill),
        leadDropout: LeadDropout(probability: 0.5, maximumLeads: 2))

    /// The same key reproduces the augmentation exactly; changing any part of the key changes it.
    @Test func sameKeySameOutputDifferentKeysDiffer() throws {
        let window = try Support.e07500Window()
        let key = TrainingSampleKey(seed: 11, rank: 2, epoch: 3, recordIndex: 4)
        let first = try Self.augmented(window, Self.everything, key: key)
        #expect(try Self.augmented(window, Self.everything, key: key) == first)
        #expect(first != window)
        let others = [TrainingSampleKey(seed: 12, rank: 2, epoch: 3, recordIndex: 4),
                      TrainingSampleKey(seed: 11, rank: 3, epoch: 3, recordIndex: 4),
                      TrainingSampleKey(seed: 11, rank: 2, epoch: 4, recordIndex: 4),
                      TrainingSampleKey(seed: 11, rank: 2, epoch: 3, recordIndex: 5)]
        for other in others { #expect(try Self.augmented(window, Self.everything, key: other) != first, "\(other)") }
    }

    /// A sample's augmentation in a batch slot depends on its key only, not on the other samples or their order.
    @Test func batchCompositionDoesNotMatter() throws {
        let window = try Support.e07500Window()
        let augmenter = try ECGAugmenter(policy: Self.everything, samplingFrequency: 500)
        func batch(_ indices: [Int]) throws -> [Int: [Float]] {
            var buffer = [Float](repeating: 0, count: indices.count * window.samples.count)
            var slots: [Int: [Float]] = [:]
            try buffer.withUnsafeMutableBufferPointer { buffer in
                for (slot, index) in indices.enumerated() {
                    let range = slot * window.samples.count ..< (slot + 1) * window.samples.count
                    let slotBuffer = UnsafeMutableBufferPointer(rebasing: buffer[range])
                    _ = slotBuffer.update(fromContentsOf: window.samples)
                    try augmenter.apply(to: slotBuffer, leadCount: 12, validLength: 5000, key: Self.key(index))
                    slots[index] = Array(slotBuffer)
                }
            }
            return slots
        }
        let forward = try batch([7, 8, 9]), mixed = try batch([9, 3, 7])
        #expect(forward[7] == mixed[7] && forward[9] == mixed[9])
        #expect(forward[7] != forward[9])
        var alone = window
        augmenter.apply(to: &alone, key: Self.key(8))
        #expect(forward[8] == alone.samples)
    }

    /// Each augmentation has its own stream: adding lead dropout does not change the shift drawn for the leads it
    /// keeps.
    @Test func augmentationsDrawIndependently() throws {
        let window = try Support.e07500Window()
        let shiftOnly = AugmentationPolicy(timeShift: TimeShift(probability: 1, maximumShift: 0.3))
        var withDropout = shiftOnly
        withDropout.leadDropout = LeadDropout(probability: 1, maximumLeads: 4)
        for index in 0..<5 {
            let shifted = try Self.augmented(window, shiftOnly, key: Self.key(index))
            let both = try Self.augmented(window, withDropout, key: Self.key(index))
            let kept = (0..<12).filter { lead in !both.lead(lead).allSatisfy { $0 == 0 } }
            #expect(kept.count >= 8)
            for lead in kept { #expect(both.lead(lead) == shifted.lead(lead)) }
        }
    }

    @Test func rejectsOutOfRangePolicies() throws {
        func check(_ policy: AugmentationPolicy, _ expected: AugmentationPolicyError) {
            #expect(throws: expected) { try ECGAugmenter(policy: policy, samplingFrequency: 500) }
        }
        check(AugmentationPolicy(amplitudeScaling: AmplitudeScaling(probability: 1.5)),
              .probabilityOutOfRange(augmentation: "amplitude scaling", probability: 1.5))
        check(AugmentationPolicy(amplitudeScaling: AmplitudeScaling(probability: 1, maximumChange: 1)),
              .invalidParameter(augmentation: "amplitude scaling", parameter: "maximumChange", value: 1,
                                expected: "in [0, 1) so that gains stay positive"))
        check(AugmentationPolicy(baselineWander: BaselineWander(probability: 1, highestFrequency: 2)),
              .invalidParameter(augmentation: "baseline wander", parameter: "highestFrequency", value: 2,
                                expected: "between lowestFrequency and 1.0 Hz"))
        check(AugmentationPolicy(gaussianNoise: GaussianNoise(probability: -0.1)),
              .probabilityOutOfRange(augmentation: "Gaussian noise", probability: -0.1))
        #expect(throws: AugmentationPolicyError.self) {
            try ECGAugmenter(policy: AugmentationPolicy(timeShift: TimeShift(probability: .nan)), samplingFrequency: 500)
        }
        check(AugmentationPolicy(leadDropout: LeadDropout(probability: 1, maximumLeads: -1)),
              .invalidParameter(augmentation: "lead dropout", parameter: "maximumLeads", value: -1, expected: ">= 0"))
        #expect(throws: AugmentationPolicyError.invalidSamplingFrequency(0)) {
            try ECGAugmenter(policy: .none, samplingFrequency: 0)
        }
        var samples = [Float](repeating: 0, count: 100)
        let augmenter = try ECGAugmenter(policy: .none, samplingFrequency: 500)
        #expect(throws: ECGWindowingError.bufferShape(count: 100, leadCount: 12, length: 8, validLength: 8)) {
            try samples.withUnsafeMutableBufferPointer { buffer in
                try augmenter.apply(to: buffer, leadCount: 12, validLength: 8, key: Self.key(0))
            }
        }
    }

    @Test func policyRoundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(Self.everything)
        #expect(try JSONDecoder().decode(AugmentationPolicy.self, from: data) == Self.everything)
    }
}
