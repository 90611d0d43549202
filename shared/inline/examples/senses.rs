fn main() {
    for w in std::env::args().skip(1) {
        println!(
            "{w}\tslur={}\thateful={}\thateful_or_severe={}",
            sideline_inline::hosts::slur(&w),
            sideline_inline::hosts::hateful(&w),
            sideline_inline::hosts::hateful_or_severe(&w)
        );
    }
}
