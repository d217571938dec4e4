//! Lockstep failures shrunk to where they show: a stimulus is cut right after
//! its first divergent cycle before proptest's own shrinking, so the
//! "minimal failing input" printed ends at the cycle where model and RTL part
//! (without this, shrinking a 500-cycle stimulus one element at a time stops
//! at `max_shrink_iters` with most of it left).
//!
//! `CutAtDivergence(strategy)` wraps the stimulus strategy; the test body runs
//! the stimulus through `run_until_divergence`, which records the first
//! failing cycle for the strategy to cut at.

use std::cell::Cell;
use std::fmt;

use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::{TestCaseError, TestRunner};

thread_local! {
    /// The first failing cycle of the last run on this thread (proptest runs
    /// and shrinks a test's cases on the test's own thread).
    static DIVERGED_AT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `stimulus` cycle by cycle through `clock`; at the first cycle that
/// fails, records it (for `CutAtDivergence`) and fails naming it.
pub fn run_until_divergence<T, E: fmt::Display>(
    stimulus: &[T],
    mut clock: impl FnMut(usize, &T) -> Result<(), E>,
) -> Result<(), TestCaseError> {
    DIVERGED_AT.set(None);
    for (i, item) in stimulus.iter().enumerate() {
        if let Err(e) = clock(i, item) {
            DIVERGED_AT.set(Some(i));
            return Err(TestCaseError::fail(format!(
                "cycle {i} (of {}): {e}",
                stimulus.len()
            )));
        }
    }
    Ok(())
}

/// A stimulus that can be cut short: a list of cycles, or one with the
/// parameters it was drawn for.
pub trait Stimulus: Clone + fmt::Debug {
    fn cycles(&self) -> usize;
    fn cut(&mut self, len: usize);
}

impl<T: Clone + fmt::Debug> Stimulus for Vec<T> {
    fn cycles(&self) -> usize {
        self.len()
    }
    fn cut(&mut self, len: usize) {
        self.truncate(len);
    }
}

impl<P: Clone + fmt::Debug, S: Stimulus> Stimulus for (P, S) {
    fn cycles(&self) -> usize {
        self.1.cycles()
    }
    fn cut(&mut self, len: usize) {
        self.1.cut(len);
    }
}

/// `S`'s stimuli, cut after the first divergent cycle as the first step of
/// every shrink (then shrunk by `S`'s own rules).
#[derive(Debug, Clone)]
pub struct CutAtDivergence<S>(pub S);

impl<S: Strategy> Strategy for CutAtDivergence<S>
where
    S::Value: Stimulus,
{
    type Tree = CutTree<S::Tree>;
    type Value = S::Value;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        Ok(CutTree {
            inner: self.0.new_tree(runner)?,
            cut: None,
            undo: None,
            cut_passed: false,
        })
    }
}

pub struct CutTree<T> {
    inner: T,
    /// Cycles kept of the inner tree's current value.
    cut: Option<usize>,
    /// The cut before the last simplification, when that was a cut.
    undo: Option<Option<usize>>,
    /// A cut once made the failure go away (a stimulus whose failure does
    /// not show in its first cycles): cut no more.
    cut_passed: bool,
}

impl<T: ValueTree> ValueTree for CutTree<T>
where
    T::Value: Stimulus,
{
    type Value = T::Value;

    fn current(&self) -> T::Value {
        let mut value = self.inner.current();
        if let Some(cut) = self.cut
            && cut < value.cycles()
        {
            value.cut(cut);
        }
        value
    }

    /// Called after the current value failed.
    fn simplify(&mut self) -> bool {
        if !self.cut_passed
            && let Some(at) = DIVERGED_AT.get()
            && at + 1 < self.current().cycles()
        {
            self.undo = Some(self.cut);
            self.cut = Some(at + 1);
            return true;
        }
        self.undo = None;
        self.inner.simplify()
    }

    /// Called after the current value passed.
    fn complicate(&mut self) -> bool {
        match self.undo.take() {
            Some(cut) => {
                self.cut = cut;
                self.cut_passed = true;
                true
            }
            None => self.inner.complicate(),
        }
    }
}
