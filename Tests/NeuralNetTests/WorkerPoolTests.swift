import CKernels
import Dispatch
import Foundation
import Testing

/// The worker pool behind the model's parallel sections (CKernels' parallel.c): every share of a job runs
/// exactly once and before the call returns, whether the workers were polling or asleep, also in a forked
/// child, and a job asked for while another runs (a share's own, or another thread's) is refused without
/// running anything.
@Suite(.serialized) struct WorkerPoolTests {
    /// A job's context: the job's number, written by each share into its own slot.
    struct Marks {
        var job = 0
        var slots: UnsafeMutablePointer<Int>
        var nestedResult: Int32 = -1
    }

    static let mark: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void = { context, index in
        let marks = context!.assumingMemoryBound(to: Marks.self)
        marks.pointee.slots[index] = marks.pointee.job
    }

    /// Runs job `job` on `threads` shares; returns whether the pool took it and, if so, whether every
    /// share marked its slot.
    static func run(job: Int, threads: Int, slots: UnsafeMutablePointer<Int>) -> (ran: Bool, complete: Bool) {
        var marks = Marks(job: job, slots: slots)
        let ran = ck_parallel_run(threads, mark, &marks) == 1
        return (ran, (0..<threads).allSatisfy { slots[$0] == job })
    }

    /// `attempt` again while it finds the pool taken (other suites' models run beside these tests and hold
    /// it for a few milliseconds at a time), for up to 10 seconds; whether it ever got the pool.
    static func whenFree(_ attempt: () -> Bool) -> Bool {
        for _ in 0..<100_000 {
            if attempt() { return true }
            usleep(100)
        }
        return false
    }

    /// ``run(job:threads:slots:)`` once the pool is free.
    static func runWhenFree(job: Int, threads: Int, slots: UnsafeMutablePointer<Int>) -> (ran: Bool, complete: Bool) {
        var result = (ran: false, complete: false)
        _ = whenFree {
            result = run(job: job, threads: threads, slots: slots)
            return result.ran
        }
        return result
    }

    @Test func everyShareRunsOnceBeforeTheCallReturns() {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        defer { slots.deallocate() }
        slots.initialize(repeating: 0, count: 8)
        for job in 1...3000 {
            // Sometimes wait past the workers' polling time (0.2 ms), so that they must be woken.
            if job % 500 == 0 { usleep(2000) }
            let (ran, complete) = Self.runWhenFree(job: job, threads: 2 + job % 3, slots: slots)
            #expect(ran && complete, "job \(job)")
            if !(ran && complete) { break }
        }
    }

    @Test func aJobAskedForFromAShareIsRefused() {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { slots.deallocate() }
        var marks = Marks(job: 1, slots: slots)
        let ran = Self.whenFree {
            ck_parallel_run(2, { context, index in
                let marks = context!.assumingMemoryBound(to: Marks.self)
                if index == 0 { marks.pointee.nestedResult = ck_parallel_run(2, WorkerPoolTests.mark, context) }
            }, &marks) == 1
        }
        #expect(ran)
        #expect(marks.nestedResult == 0)
    }

    /// A child forked after the pool has workers has none of them (fork copies the calling thread only): its
    /// jobs must still run, not wait for the parent's workers. The child gives up after 5 seconds.
    @Test func aForkedChildRunsJobsOnWorkersOfItsOwn() {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        defer { slots.deallocate() }
        slots.initialize(repeating: 0, count: 4)
        #expect(Self.runWhenFree(job: 1, threads: 3, slots: slots) == (true, true))
        let child = fork()
        if child == 0 {
            // The forking thread may block SIGALRM (the test runner's threads do): take it back first.
            var alarmOnly = sigset_t()
            sigemptyset(&alarmOnly)
            sigaddset(&alarmOnly, SIGALRM)
            pthread_sigmask(SIG_UNBLOCK, &alarmOnly, nil)
            signal(SIGALRM, SIG_DFL)
            alarm(5)
            var whole = true
            for job in 2...50 { whole = whole && Self.runWhenFree(job: job, threads: 3, slots: slots) == (true, true) }
            _exit(whole ? 0 : 1)
        }
        var status: Int32 = 0
        #expect(child > 0 && waitpid(child, &status, 0) == child)
        #expect(status == 0, "the child's wait status \(status)")
    }

    @Test func callersOnManyThreadsEachGetWholeJobsOrARefusal() {
        let callers = 6, jobs = 300
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: callers * 4)
        defer { slots.deallocate() }
        slots.initialize(repeating: 0, count: callers * 4)
        nonisolated(unsafe) let shared = slots
        let failures = UnsafeMutablePointer<Int>.allocate(capacity: callers)
        defer { failures.deallocate() }
        failures.initialize(repeating: 0, count: callers)
        nonisolated(unsafe) let failed = failures
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for job in 1...jobs {
                let (ran, complete) = Self.run(job: job, threads: 3, slots: shared + caller * 4)
                if ran && !complete { failed[caller] += 1 }
            }
        }
        #expect((0..<callers).allSatisfy { failures[$0] == 0 })
    }
}
