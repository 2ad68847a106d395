//! An index that meets a moment without file descriptors (a flood of connections once took them
//! all) keeps working once they come back. Its own test binary: it lowers the process's open-file
//! limit, which would disturb tests running beside it.

mod common;

use common::{order, state};
use hotline_search::{OrderDoc, SearchIndex};

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}

#[test]
fn a_write_that_fails_for_want_of_descriptors_is_rolled_back_and_the_next_one_succeeds() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let index = SearchIndex::open(Some(dir.path())).expect("the index opens");
    index.write_orders(&[order(1, "小区门口乱停车")], &state(1), false).expect("a first write");
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).expect("the open-file limit");
    // No descriptor left for a new segment's files.
    rlimit::setrlimit(rlimit::Resource::NOFILE, open_descriptors() + 1, hard).expect("lower the limit");
    let mut failed = 0;
    for i in 2..6 {
        if index.write_orders(&[order(i, "小区门口乱停车")], &state(i), false).is_err() {
            failed += 1;
        }
    }
    rlimit::setrlimit(rlimit::Resource::NOFILE, soft, hard).expect("restore the limit");
    assert!(failed > 0, "the writes had no descriptors and should have failed");
    // Descriptors are back: the index is written again, with what the failed writes held.
    let docs: Vec<OrderDoc> = (2..8).map(|i| order(i, "小区门口乱停车")).collect();
    index.write_orders(&docs, &state(7), false).expect("the index writes again");
    assert_eq!(index.order_count(), 7);
    assert_eq!(index.orders_state().map(|s| s.cursor), Some(7));
}
