import assert from 'node:assert/strict';
import { evaluate, generateSynthetic } from '../../../recommender';
import { fitRankingTask, taskLists, taskMetrics, type TaskLists } from '../../../recommender/evaluation/ranking-task';

describe('recommender: the evaluation in parts (fit, lists by user range, metrics)', () => {
  const data = generateSynthetic({ ratings: 20_000, seed: 3, users: 300, movies: 400 });
  const options = { seed: 9, ks: [1, 5, 10], maxTestUsers: 200, params: { minCandidateRatings: 3 } };

  for (const protocol of ['stratified', 'temporal'] as const) {
    it(`scores what evaluate scores (${protocol}), whatever the ranges the lists are made in`, () => {
      const { model, task } = fitRankingTask(data.ratings, data.movies, { protocol, ...options });
      assert.equal(task.users.length, 200);
      const parts = [taskLists(model, task, 0, 70), taskLists(model, task, 70, 71), taskLists(model, task, 71, 200)];
      const joined: TaskLists = parts[0]!.map((_, m) => parts.flatMap((part) => part[m]!));
      const whole = evaluate({ ratings: data.ratings, movies: data.movies }, { protocol, ...options });
      assert.deepEqual(taskMetrics(task, joined), whole.results);
      assert.equal(task.testUsers, whole.testUsers);
      assert.equal(task.testRatings, whole.testRatings);
      assert.throws(() => taskMetrics(task, parts[0]!), /lists for 200 users/);
    });
  }

  it('reports how many of a range\'s lists are made, every hundred users and at the end of each method', () => {
    const { model, task } = fitRankingTask(data.ratings, data.movies, { protocol: 'stratified', ...options });
    const heard: number[] = [];
    const lists = taskLists(model, task, 0, 150, (done) => heard.push(done));
    assert.equal(lists.length, 5);
    // 150 users: at 100 and 150 for each of the five methods.
    assert.deepEqual(heard, [100, 150, 250, 300, 400, 450, 550, 600, 700, 750]);
  });
});
