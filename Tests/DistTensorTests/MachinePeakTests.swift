import DistTensor
import Testing

/// The measured arithmetic peak `bench` judges kernels against: a loop the compiler folded away would report
/// absurd rates, one spilled to memory a fraction of the ports' rate; both are caught against the nominal figure.
struct MachinePeakTests {
    /// Per core, the measured float32 FMA rate lies between half and twice the nominal one (turbo clocks exceed
    /// the nominal clock a VM reports, but not by 2x), and two threads measure about twice one thread.
    @Test func float32PeakIsTheFMAPortsRate() {
        let one = MachinePeak.measure(.float32, threads: 1)
        #expect(one.measuredGFLOPS > 0.5 * one.nominalGFLOPS && one.measuredGFLOPS < 2 * one.nominalGFLOPS, "\(one)")
        let two = MachinePeak.measure(.float32, threads: 2)
        #expect(two.measuredGFLOPS > 1.5 * one.measuredGFLOPS && two.measuredGFLOPS < 2.5 * one.measuredGFLOPS,
                "\(one.measuredGFLOPS) vs \(two.measuredGFLOPS)")
        #expect(two.gflops == two.measuredGFLOPS && two.basis.hasPrefix("measured"))
    }

    /// bfloat16 is measured where the CPU has `vdpbf16ps` (at most twice the float32 rate: 32 pairs per
    /// instruction against 16 FMAs), and falls back to the nominal figure, saying so, where it has not.
    @Test func bfloat16PeakIsMeasuredOnlyWhereNative() {
        let float32 = MachinePeak.measure(.float32, threads: 1)
        let bfloat16 = MachinePeak.measure(.bfloat16, threads: 1)
        if ComputePrecision.bfloat16IsNative {
            #expect(bfloat16.measuredGFLOPS > 0.1 * float32.measuredGFLOPS
                    && bfloat16.measuredGFLOPS < 2.2 * float32.measuredGFLOPS, "\(bfloat16) vs \(float32)")
        } else {
            #expect(bfloat16.measuredGFLOPS == 0 && bfloat16.gflops == bfloat16.nominalGFLOPS && bfloat16.basis.hasPrefix("nominal"))
        }
    }
}
