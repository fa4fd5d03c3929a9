package petition

// Stepped goals: a petition that reaches its goal does not stop asking. Once
// the count reaches Goal, supporters are asked for the next step, the
// smallest number above the count in the series 1, 2, 5, 10, 20, 50, 100…
// ("help us reach 20,000" at 10,000). The steps follow from the count, so a
// campaigner sets one goal and never has to come back to raise it, and the
// step is the same on every page and in the API.

// maxGoalStep caps the steps well inside int64.
const maxGoalStep = 1_000_000_000_000_000_000

// GoalReached reports whether the count has reached the petition's own goal.
func (p Petition) GoalReached() bool {
	return p.Goal > 0 && p.SignatureCount >= p.Goal
}

// CurrentGoal is the goal supporters are asked to reach now: Goal until the
// count reaches it, then the next step above the count (see GoalReached).
func (p Petition) CurrentGoal() int64 {
	if !p.GoalReached() {
		return p.Goal
	}
	return NextGoalStep(p.SignatureCount)
}

// CurrentProgress is the share of CurrentGoal reached, as a whole percentage
// capped at 100.
func (p Petition) CurrentProgress() int {
	goal := p.CurrentGoal()
	if goal <= 0 {
		return 0
	}
	return int(min(p.SignatureCount*100/goal, 100))
}

// NextGoalStep returns the smallest number of the series 1, 2, 5, 10, 20,
// 50… that is greater than count.
func NextGoalStep(count int64) int64 {
	for unit := int64(1); unit < maxGoalStep; unit *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if step := m * unit; step > count {
				return step
			}
		}
	}
	return maxGoalStep
}
