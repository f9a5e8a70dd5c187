use statewright::state_machine;

use statewright::TypedMachine;

#[state_machine]
#[derive(Debug, PartialEq)]
enum Counter {
    #[initial]
    #[on(add -> Counting)]
    Zero,
    #[on(add -> Counting, reset -> Zero)]
    Counting { total: u32 },
}

fn main() {
    let m = counter::start().add(counter::Counting { total: 1 });
    let m = m.add_with(|c| counter::Counting { total: c.total + 1 });
    assert_eq!(m.total, 2);
    let m = m.reset();
    assert_eq!(m.sequence(), 3);
    let mut d = counter::Dynamic::from(m);
    d.apply(counter::Event::Add { total: 7 }).unwrap();
    d.apply(counter::Event::Add { total: 8 }).unwrap();
    assert_eq!(d.state(), &Counter::Counting { total: 8 });
}
