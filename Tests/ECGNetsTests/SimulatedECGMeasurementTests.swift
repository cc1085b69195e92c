import ECGNets
import Foundation
import Testing

/// Each label the simulator writes is checked against the signals it drew, measured independently by
/// `ECGSignalMeasurement` with the clinical criteria of the label. Exclusions are stated where a simple
/// measurement cannot see a feature (e.g. a T wave end under the next P wave at fast rates).
@Suite struct SimulatedECGMeasurementTests {
    /// One simulated record and what `ECGSignalMeasurement` reads from its signals.
    struct MeasuredRecord: Sendable {
        let index: Int
        let record: SimulatedECG
        let measurement: ECGSignalMeasurement

        var conditions: Set<ECGCondition> { Set(record.conditions) }
        var isSinus: Bool { record.truth.rhythm == .sinus }
        var isFlutter: Bool { record.truth.rhythm == .atrialFlutter }
        var isPaced: Bool { record.truth.rhythm == .paced }
        /// Complete or incomplete bundle branch block or a nonspecific delay: conduction with secondary T changes.
        var hasBundleBranchBlock: Bool {
            !conditions.isDisjoint(with: [.rightBundleBranchBlock, .leftBundleBranchBlock,
                                          .incompleteRightBundleBranchBlock, .nonspecificIntraventricularConductionDisorder])
        }
        var hasPrematureBeats: Bool {
            !conditions.isDisjoint(with: [.prematureVentricularContractions, .prematureAtrialContractions])
        }
        /// RMS difference (leads II and V1, 20-ms moving average, levelled) between the 250–40 ms before a beat's
        /// QRS onset and the same stretch of the median beat: what precedes the QRS compared with the sinus P.
        func preQRSChange(of beat: Int) -> Double {
            let m = measurement, rate = m.samplingRate
            guard let onset = m.qrsOnsets[beat] else { return .nan }
            let medianOnset = m.qrsOnset
            let first = Int(-0.25 * rate), last = Int(-0.04 * rate)
            guard onset + first >= 0, medianOnset + first >= 0 else { return .nan }
            var total = 0.0, count = 0.0
            for lead in [1, 6] {
                let smooth = ECGSignalMeasurement.movingAverage(m.leads[lead], width: max(1, Int(0.02 * rate)))
                let template = ECGSignalMeasurement.movingAverage(m.medianBeat[lead], width: max(1, Int(0.02 * rate)))
                let here = (first...last).map { smooth[onset + $0] }, there = (first...last).map { template[medianOnset + $0] }
                let offset = here.last! - there.last!
                for (a, b) in zip(here, there) { total += (a - b - offset) * (a - b - offset); count += 1 }
            }
            return (total / count).squareRoot()
        }

        /// The median `preQRSChange` over the dominant beats that are not premature.
        var typicalPreQRSChange: Double {
            let early = Set(prematureBeats)
            return ECGSignalMeasurement.median(measurement.dominantBeats.filter { !early.contains($0) }
                .map(preQRSChange).filter { !$0.isNaN })
        }

        /// Premature beats (indices into the detected QRS complexes): from the previous QRS onset to theirs is
        /// less than 85 % of the median RR interval. Onsets rather than peaks, since a wide beat peaks late.
        var prematureBeats: [Int] {
            let onsets = measurement.qrsOnsets, typical = ECGSignalMeasurement.median(measurement.rrIntervals)
            return measurement.qrsPeaks.indices.dropFirst().dropLast().filter { beat in
                guard let onset = onsets[beat], let previous = onsets[beat - 1] else { return false }
                return Double(onset - previous) / measurement.samplingRate < 0.85 * typical
            }
        }
    }

    /// 640 records of one seed with their measurements, shared by the tests below (a few seconds to build; 640 so
    /// that the subsets without premature beats or sinus arrhythmia, which issue 16 made more common, stay large).
    /// Paced records are measured with their pacing spikes filtered out (`withoutSpikes`), as analysis programs
    /// do, so that a spike is not taken for the QRS.
    static let measuredRecords: [MeasuredRecord] = {
        let simulator = ECGSimulator(seed: 20_210_101)
        return (0..<640).map { index in
            let record = simulator.record(at: index)
            let leads = record.truth.rhythm == .paced ? ECGSignalMeasurement.withoutSpikes(record.leads) : record.leads
            return MeasuredRecord(index: index, record: record,
                                  measurement: ECGSignalMeasurement(leads: leads, samplingRate: record.samplingRate))
        }
    }()

    /// The measured records of which `condition` holds, checked to be enough for a test to mean something.
    static func records(where condition: (MeasuredRecord) -> Bool, atLeast minimum: Int,
                        sourceLocation: SourceLocation = #_sourceLocation) -> [MeasuredRecord] {
        let selected = measuredRecords.filter(condition)
        #expect(selected.count >= minimum, "only \(selected.count) records", sourceLocation: sourceLocation)
        return selected
    }

    @Test func sinusRateLabelsMatchTheMeasuredHeartRate() {
        for item in Self.records(where: { $0.isSinus }, atLeast: 200) {
            let rate = item.measurement.heartRate
            let label = item.conditions
            #expect(label.contains(.sinusBradycardia) == (rate < 60), "record \(item.index): \(rate) bpm")
            #expect(label.contains(.sinusTachycardia) == (rate > 100), "record \(item.index): \(rate) bpm")
            #expect(label.contains(.sinusRhythm) == (60...100).contains(rate), "record \(item.index): \(rate) bpm")
            // Sinus arrhythmia swings each cycle by up to half a cycle, so a beat found or missed at an edge moves
            // the mean by more than 3 %: those records are held to the rate classes above only.
            if !label.contains(.sinusArrhythmia) {
                #expect(abs(rate / item.record.truth.meanHeartRate - 1) < 0.03, "record \(item.index)")
            }
        }
        _ = Self.records(where: { $0.conditions.contains(.sinusBradycardia) }, atLeast: 20)
        _ = Self.records(where: { $0.conditions.contains(.sinusTachycardia) }, atLeast: 20)
    }

    @Test func fibrillationIsIrregularAndSinusRhythmIsNot() {
        for item in Self.records(where: { $0.conditions.contains(.atrialFibrillation) }, atLeast: 30) {
            #expect(item.measurement.rrCoefficientOfVariation > 0.08, "record \(item.index)")
        }
        for item in Self.records(where: {
            $0.isSinus && !$0.hasPrematureBeats && !$0.conditions.contains(.sinusArrhythmia)
        }, atLeast: 200) {
            #expect(item.measurement.rrCoefficientOfVariation < 0.06, "record \(item.index)")
        }
    }

    /// Flutter is conducted every 2nd to 4th flutter wave, so RR intervals are whole multiples of the flutter
    /// cycle; where flutter waves run through a wide QRS the detected QRS position wanders by up to a fifth of
    /// a cycle.
    @Test func flutterConductsWholeFlutterCycles() throws {
        for item in Self.records(where: { $0.isFlutter }, atLeast: 8) {
            let atrialRate = try #require(item.record.truth.atrialRate)
            #expect((250...320).contains(atrialRate), "record \(item.index)")
            let cycle = 60 / atrialRate
            for interval in item.measurement.rrIntervals {
                let ratio = (interval / cycle).rounded()
                #expect((2...4).contains(ratio), "record \(item.index): RR \(interval) s")
                #expect(abs(interval - ratio * cycle) < 0.2 * cycle, "record \(item.index): RR \(interval) s")
            }
        }
    }

    /// P waves are time-locked to the QRS in sinus rhythm and absent (replaced by f waves) in fibrillation.
    /// Sinus records are taken at up to 100 bpm with normal voltage, no premature beats and no sinus arrhythmia
    /// (whose changing cycles move the previous T wave's tail about), where the 330 ms before the QRS hold the P
    /// wave and little else.
    @Test func fibrillationHasNoPWaves() {
        for item in Self.records(where: { $0.conditions.contains(.atrialFibrillation) }, atLeast: 30) {
            #expect(item.measurement.preQRSCoherence < 0.5, "record \(item.index)")
        }
        let clear = Self.records(where: {
            $0.isSinus && $0.measurement.heartRate <= 100 && !$0.hasPrematureBeats
                && $0.conditions.isDisjoint(with: [.lowQRSVoltages, .sinusArrhythmia])
        }, atLeast: 130)  // 150 of 400 before issue 16 made premature beats and sinus arrhythmia more common
        for item in clear {
            #expect(item.measurement.preQRSCoherence > 0.6, "record \(item.index)")
        }
    }

    /// QRS width and pattern (Surawicz et al. 2009): complete blocks and the nonspecific delay 120 ms or more,
    /// incomplete RBBB 100–120 ms as measured (drawn 108–116 ms), all others below 110 ms; rSr' in V1 exactly in
    /// complete and incomplete RBBB (rSr', rsR' or, with an anterior Q wave, qR); a nonspecific delay keeps the
    /// septal activation LBBB lacks (q in I or V6, or r in V1). Flutter
    /// waves are locked to the QRS and overlap it, so flutter records are left out of QRS measurements; paced
    /// beats are measured by `pacingSpikesPrecedeEveryWideQRS`.
    @Test func bundleBranchBlocksAreWideAndOtherQRSComplexesNarrow() {
        for item in Self.records(where: { !$0.isFlutter && !$0.isPaced }, atLeast: 330) {
            let width = item.measurement.qrsDuration
            let conditions = item.conditions
            if conditions.contains(.incompleteRightBundleBranchBlock) {
                #expect((0.1..<0.12).contains(width), "record \(item.index): \(width) s")
            } else if item.hasBundleBranchBlock {
                #expect(width >= 0.12, "record \(item.index): \(width) s")
            } else {
                #expect(width < 0.11, "record \(item.index): \(width) s")
            }
            #expect(abs(width - item.record.truth.qrsDuration) <= 0.025, "record \(item.index): \(width) s")
            let rightBlock = !conditions.isDisjoint(with: [.rightBundleBranchBlock, .incompleteRightBundleBranchBlock])
            // V1's pattern is read where it is not blurred: without f waves (largest in V1) and without the anterior
            // Q waves that replace its initial part. Known gap: incomplete RBBB with right axis deviation has no
            // measurable r' in V1 (2 of 400 records), so it is left out here.
            let knownGap = conditions.isSuperset(of: [.incompleteRightBundleBranchBlock, .rightAxisDeviation])
            if !conditions.contains(.atrialFibrillation) && !conditions.contains(.qWaveAbnormal) && !knownGap {
                #expect(item.measurement.hasTerminalR(6) == rightBlock, "record \(item.index): terminal R' in V1")
            }
            if conditions.contains(.nonspecificIntraventricularConductionDisorder) && !conditions.contains(.qWaveAbnormal) {
                let m = item.measurement
                let septal = m.initialDeflection(0) < 0 || m.initialDeflection(11) < 0 || m.initialDeflection(6) > 0
                #expect(septal, "record \(item.index): no q in I or V6 and no r in V1")
            }
        }
        _ = Self.records(where: { $0.conditions.contains(.rightBundleBranchBlock) }, atLeast: 20)
        _ = Self.records(where: { $0.conditions.contains(.leftBundleBranchBlock) }, atLeast: 15)
        _ = Self.records(where: { $0.conditions.contains(.incompleteRightBundleBranchBlock) }, atLeast: 12)
        _ = Self.records(where: { $0.conditions.contains(.nonspecificIntraventricularConductionDisorder) }, atLeast: 12)
    }

    /// LAnFB (Surawicz et al. 2009): frontal axis −45° to −90°, qR in aVL, rS in II, III and aVF, and a QRS
    /// below 120 ms unless with RBBB. Records without the label do not meet all of these together.
    @Test func leftAnteriorFascicularBlockLabelsMatchTheMeasuredPattern() {
        for item in Self.records(where: { !$0.isFlutter && !$0.isPaced }, atLeast: 330) {
            let measurement = item.measurement
            let axis = measurement.qrsAxis
            let conditions = item.conditions
            let pattern = (-90 ... -45).contains(axis) && measurement.hasQR(4) && [1, 2, 5].allSatisfy(measurement.hasRS)
                && (measurement.qrsDuration < 0.12 || conditions.contains(.rightBundleBranchBlock))
            let inferior = [1, 2, 5].map(measurement.hasRS)
            #expect(pattern == conditions.contains(.leftAnteriorFascicularBlock),
                    "record \(item.index): axis \(axis)°, qR aVL \(measurement.hasQR(4)), rS II/III/aVF \(inferior), QRS \(measurement.qrsDuration) s")
        }
        _ = Self.records(where: { $0.conditions.contains(.leftAnteriorFascicularBlock) }, atLeast: 12)
    }

    /// Abnormal Q waves by the Fourth Universal Definition of Myocardial Infarction (Thygesen et al. 2018): a Q
    /// wave of 20 ms or more, or a QS complex, in V2 and V3 (contiguous leads). Criteria for Q waves do not
    /// apply in LBBB, flutter waves blur the QRS onset, and in low-voltage records V2's initial r can sink below
    /// the 0.03-mV wave threshold.
    @Test func qWaveLabelsMatchTheMeasuredQWaves() {
        for item in Self.records(where: {
            !$0.isFlutter && !$0.isPaced && $0.conditions.isDisjoint(with: [.leftBundleBranchBlock, .lowQRSVoltages])
        }, atLeast: 300) {
            let waves = [7, 8].map(item.measurement.qWave)
            let pathological = waves.allSatisfy { $0.duration >= 0.02 || $0.isQS }
            #expect(pathological == item.conditions.contains(.qWaveAbnormal), "record \(item.index): \(waves)")
        }
        _ = Self.records(where: { $0.conditions.contains(.qWaveAbnormal) }, atLeast: 15)
    }

    /// Flat T waves (Rautaharju et al. 2009: a T wave below a tenth of the R wave) in at least two of II, V4 and
    /// V5, where T waves are upright and R waves tall, exactly in records labelled T-wave abnormal. Sinus
    /// rhythm up to 100 bpm with normal voltage and no T inversion, conduction delay or premature beats, whose T
    /// waves are primary.
    @Test func tWaveAbnormalLabelsMatchTheMeasuredTToRRatio() {
        let clear = Self.records(where: {
            $0.isSinus && $0.measurement.heartRate <= 100 && !$0.hasBundleBranchBlock && !$0.hasPrematureBeats
                && $0.conditions.isDisjoint(with: [.lowQRSVoltages, .tWaveInversion])
        }, atLeast: 120)
        for item in clear {
            let ratios = [1, 9, 10].map(item.measurement.tToRRatio)
            let flat = ratios.filter { abs($0) < 0.1 }.count >= 2
            #expect(flat == item.conditions.contains(.tWaveAbnormal), "record \(item.index): T/R \(ratios)")
        }
        #expect(clear.filter { $0.conditions.contains(.tWaveAbnormal) }.count >= 12)
    }

    /// Pacing: pacing spikes in the raw signal exactly in paced records; there every detected QRS (measured on
    /// the spike-filtered leads, whose onset the filter and the median beat's alignment blur by a few
    /// milliseconds either way; capture follows the spike by 2–8 ms) starts within 15 ms of a spike and is 120 ms
    /// or wider. Known issue (open, issue 16): in record 51 the detector finds a second "QRS" 258 ms after a spike,
    /// in the paced beat's tall discordant T wave (the spikes themselves are all found).
    @Test func pacingSpikesPrecedeEveryWideQRS() {
        for item in Self.measuredRecords {
            let spikes = ECGSignalMeasurement.pacingSpikes(in: item.record.leads)
            guard item.isPaced else {
                #expect(spikes.isEmpty, "record \(item.index): spikes at \(spikes)")
                continue
            }
            #expect(item.conditions == [.pacingRhythm], "record \(item.index): \(item.conditions)")
            #expect(abs(spikes.count - item.record.truth.pacingSpikes.count) <= 1, "record \(item.index)")
            #expect(item.measurement.qrsDuration >= 0.12, "record \(item.index): \(item.measurement.qrsDuration) s")
            // A 1-ms pulse split between two 500-Hz samples can fall below the detector's threshold, so one spike
            // may go unfound (as the count above allows); its QRS is then matched to the drawn spike instead.
            let rate = item.measurement.samplingRate
            var unfound = max(0, item.record.truth.pacingSpikes.count - spikes.count)
            for onset in item.measurement.qrsOnsets.compactMap({ $0 }) {
                let nearest = spikes.map { abs(onset - $0) }.min().map { Double($0) / rate } ?? .infinity
                if nearest > 0.015, unfound > 0,
                   item.record.truth.pacingSpikes.contains(where: { abs(Double(onset) / rate - $0) <= 0.015 }) {
                    unfound -= 1
                    continue
                }
                withKnownIssue("the QRS detector takes a paced beat's T wave for a QRS (issue 16)", isIntermittent: true) {
                    #expect(nearest <= 0.015, "record \(item.index): QRS at \(onset), nearest spike \(nearest) s")
                } when: { item.index == 51 }
            }
        }
        _ = Self.records(where: { $0.isPaced }, atLeast: 12)
    }

    /// Bradycardia that is not sinus: a rate below 60 bpm without P waves (the 330 ms before the QRS are not
    /// time-locked to it); sinus bradycardia has them.
    @Test func bradycardiaLabelsMatchTheMeasuredRateAndAbsentPWaves() {
        for item in Self.records(where: { $0.conditions.contains(.bradycardia) }, atLeast: 12) {
            #expect(item.measurement.heartRate < 60, "record \(item.index): \(item.measurement.heartRate) bpm")
            #expect(item.measurement.preQRSCoherence < 0.5, "record \(item.index): \(item.measurement.preQRSCoherence)")
        }
        for item in Self.records(where: {
            $0.isSinus && $0.measurement.heartRate < 60 && !$0.hasPrematureBeats && !$0.conditions.contains(.lowQRSVoltages)
        }, atLeast: 12) {
            #expect(!item.conditions.contains(.bradycardia), "record \(item.index)")
            #expect(item.measurement.preQRSCoherence > 0.6, "record \(item.index): \(item.measurement.preQRSCoherence)")
        }
    }

    /// Sinus arrhythmia: the longest minus the shortest RR interval above 0.16 s (Surawicz and Knilans, Chou's
    /// Electrocardiography in Clinical Practice, 2008), in sinus records without premature beats; records
    /// without the label (drawn at most 0.1 s) measure below 0.13 s, QRS detection adding a few milliseconds.
    @Test func sinusArrhythmiaLabelsMatchTheMeasuredRRRange() {
        for item in Self.records(where: { $0.isSinus && !$0.hasPrematureBeats }, atLeast: 200) {
            let intervals = item.measurement.rrIntervals
            let range = (intervals.max() ?? 0) - (intervals.min() ?? 0)
            if item.conditions.contains(.sinusArrhythmia) {
                #expect(range > 0.16, "record \(item.index): \(range) s")
            } else {
                #expect(range < 0.13, "record \(item.index): \(range) s")
            }
        }
        _ = Self.records(where: { $0.conditions.contains(.sinusArrhythmia) }, atLeast: 15)
    }

    /// Deviation labels follow the axis measured from the net QRS areas of I and aVF, and the measured axis
    /// follows the drawn one: within 10° in sinus rhythm, within 25° in fibrillation, where the f waves left in
    /// a median of 10–20 beats add to the areas (over 3,000 records of three other seeds the fibrillation error
    /// had a 99th percentile of 11° and a maximum of 21°).
    @Test func axisDeviationLabelsMatchTheMeasuredAxis() {
        for item in Self.records(where: { !$0.isFlutter && !$0.isPaced }, atLeast: 330) {
            let axis = item.measurement.qrsAxis
            #expect(item.conditions.contains(.leftAxisDeviation) == (axis < -30), "record \(item.index): \(axis)°")
            #expect(item.conditions.contains(.rightAxisDeviation) == (axis > 90), "record \(item.index): \(axis)°")
            let miss = abs(remainder(axis - item.record.truth.qrsAxis, 360))
            #expect(miss <= (item.isSinus ? 10 : 25), "record \(item.index): \(axis)° for \(item.record.truth.qrsAxis)°")
        }
        _ = Self.records(where: { $0.conditions.contains(.leftAxisDeviation) }, atLeast: 30)
        _ = Self.records(where: { $0.conditions.contains(.rightAxisDeviation) }, atLeast: 10)
    }

    /// Paced beats are not coded for voltage.
    @Test func lowVoltageLabelsMatchTheLimbLeadAmplitude() {
        for item in Self.measuredRecords where !item.isPaced {
            let amplitude = (0..<6).map { item.measurement.qrsPeakToPeak($0) }.max() ?? 0
            #expect(item.conditions.contains(.lowQRSVoltages) == (amplitude < 0.5), "record \(item.index): \(amplitude) mV")
        }
        _ = Self.records(where: { $0.conditions.contains(.lowQRSVoltages) }, atLeast: 10)
    }

    /// QT by the tangent method, corrected with Bazett's formula. Only where the next P wave is clear of the T
    /// wave (sinus rhythm at up to 90 bpm without first-degree block or premature beats) and the T wave is not
    /// damped to the noise level (normal voltage, no flat T waves), and where the cycles are steady enough for a
    /// QTc from the mean RR (no sinus arrhythmia, whose 0.3–0.5 s swings move each QT with its preceding cycle).
    @Test func prolongedQTLabelsMatchTheMeasuredQTc() {
        let clear = Self.records(where: {
            $0.isSinus && $0.measurement.heartRate <= 90 && !$0.hasPrematureBeats
                && $0.conditions.isDisjoint(with: [.firstDegreeAVBlock, .lowQRSVoltages, .tWaveAbnormal, .sinusArrhythmia])
        }, atLeast: 110)  // 120 before sinus arrhythmia records were left out
        for item in clear {
            let corrected = item.measurement.qtInterval / ECGSignalMeasurement.mean(item.measurement.rrIntervals).squareRoot()
            #expect(item.conditions.contains(.prolongedQTInterval) == (corrected > 0.46), "record \(item.index): \(corrected) s")
            #expect(abs(corrected - item.record.truth.correctedQTInterval) < 0.03, "record \(item.index): \(corrected) s")
        }
        #expect(clear.filter { $0.conditions.contains(.prolongedQTInterval) }.count >= 10)
    }

    /// T waves are inverted in at least two leads where they are normally upright (I, II, aVF, V3–V6) exactly
    /// when the record says so. Sinus rhythm up to 100 bpm (before the next P wave reaches the T wave); bundle
    /// branch blocks and premature beats have secondary T-wave changes that are not coded as inversion, and the
    /// sign of a flat T wave (T-wave abnormality) is within the noise.
    @Test func tWaveInversionLabelsMatchTheMeasuredTWaves() {
        let uprightLeads = [0, 1, 5, 8, 9, 10, 11]
        let clear = Self.records(where: { $0.isSinus && $0.measurement.heartRate <= 100 }, atLeast: 200)
        for item in clear {
            let inverted = uprightLeads.filter { item.measurement.tWave($0).peak < 0 }
            if item.conditions.contains(.tWaveInversion) {
                #expect(inverted.count >= 2, "record \(item.index): \(inverted)")
            } else if !item.hasBundleBranchBlock && !item.hasPrematureBeats && !item.conditions.contains(.tWaveAbnormal) {
                #expect(inverted.isEmpty, "record \(item.index): \(inverted)")
            }
        }
        #expect(clear.filter { $0.conditions.contains(.tWaveInversion) }.count >= 15)
    }

    /// A PVC is early, wide, and followed by a full compensatory pause: the beats around it are two sinus
    /// cycles apart. A PAC is early and conducted like the sinus beats (as wide, among the dominant
    /// beats), what precedes it is not the sinus P wave, and its pause is less than compensatory (the cycles
    /// around it below 92 % of two sinus cycles). Sinus records at normal voltage without sinus arrhythmia, where
    /// a single beat's QRS onset stands out of the noise and sinus beats are not early.
    ///
    /// Known issues (open, issue 16), recorded as such rather than excluded: in record 151 a PAC's QRS measures
    /// 0.146 s against the sinus beats' 0.100 s (not yet explained), and in record 253 (RBBB, long QT) the cycles
    /// around a PAC measure 0.929 of two median cycles: drawn at most 0.70 + 1.08 cycles, they exceed 0.92 where
    /// the local sinus cycles are longer than the median (the regular rhythm's range is up to 0.1 s).
    @Test func prematureBeatsAreEarlyAndTheirPausesTellThemApart() {
        for item in Self.records(where: {
            $0.isSinus && $0.conditions.isDisjoint(with: [.lowQRSVoltages, .sinusArrhythmia])
        }, atLeast: 200) {
            let premature = item.prematureBeats
            let drawn = item.record.truth.beats.filter { $0.kind == .prematureVentricular || $0.kind == .prematureAtrial }
            #expect(premature.count == drawn.count, "record \(item.index)")
            let isAtrial = item.conditions.contains(.prematureAtrialContractions)
            let intervals = item.measurement.rrIntervals, cycle = ECGSignalMeasurement.median(intervals)
            let dominant = Set(item.measurement.dominantBeats)
            for beat in premature {
                let width = item.measurement.qrsBounds(ofBeat: beat)?.duration ?? 0
                let span = intervals[beat - 1] + intervals[beat]
                if isAtrial {
                    let typicalWidth = item.measurement.qrsDuration
                    withKnownIssue("a PAC's QRS measured wider than the sinus beats (issue 16)", isIntermittent: true) {
                        #expect(abs(width - typicalWidth) < 0.025 && dominant.contains(beat),
                                "record \(item.index): \(width) s against \(typicalWidth) s")
                    } when: { item.index == 151 }
                    withKnownIssue("a PAC's pause measured against a shorter median cycle (issue 16)", isIntermittent: true) {
                        #expect(span / (2 * cycle) < 0.92, "record \(item.index): \(span) s around a PAC")
                    } when: { item.index == 253 }
                    let change = item.preQRSChange(of: beat), typical = item.typicalPreQRSChange
                    #expect(change > 3 * typical, "record \(item.index): pre-QRS change \(change) vs \(typical)")
                } else {
                    #expect(width >= 0.12, "record \(item.index): \(width) s")
                    #expect(abs(span / (2 * cycle) - 1) < 0.1, "record \(item.index): \(span) s")
                }
            }
        }
        _ = Self.records(where: { $0.isSinus && $0.conditions.contains(.prematureVentricularContractions) },
                        atLeast: 15)
        _ = Self.records(where: { $0.conditions.contains(.prematureAtrialContractions) }, atLeast: 15)
    }

    /// PR from P onset in lead II to QRS onset. Sinus rhythm up to 90 bpm with normal voltage and no long QT or
    /// premature beats, where the P wave stands clear of the preceding T wave.
    @Test func firstDegreeBlockLabelsMatchTheMeasuredPR() {
        let clear = Self.records(where: {
            $0.isSinus && $0.measurement.heartRate <= 90 && !$0.hasPrematureBeats
                && $0.conditions.isDisjoint(with: [.prolongedQTInterval, .lowQRSVoltages])
        }, atLeast: 120)
        for item in clear {
            let pr = item.measurement.prInterval
            #expect(item.conditions.contains(.firstDegreeAVBlock) == (pr > 0.2), "record \(item.index): \(pr) s")
            #expect(item.conditions.contains(.prolongedPRInterval) == (pr > 0.2), "record \(item.index): \(pr) s")
            #expect(abs(pr - (item.record.truth.prInterval ?? 0)) < 0.025, "record \(item.index): \(pr) s")
        }
        #expect(clear.filter { $0.conditions.contains(.firstDegreeAVBlock) }.count >= 8)
    }
}
