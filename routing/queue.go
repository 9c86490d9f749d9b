package routing

// queueItem is an entry of a minQueue.
type queueItem struct {
	key  uint32
	node uint32
}

// minQueue is a binary min-heap of (key, node) pairs. Searches push a node
// again when its key drops and skip the stale entry when it comes out.
type minQueue struct{ items []queueItem }

func (q *minQueue) len() int       { return len(q.items) }
func (q *minQueue) reset()         { q.items = q.items[:0] }
func (q *minQueue) minKey() uint32 { return q.items[0].key }
func (q *minQueue) push(key, node uint32) {
	q.items = append(q.items, queueItem{key, node})
	h := q.items
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].key <= h[i].key {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (q *minQueue) pop() (key, node uint32) {
	h := q.items
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	q.items = h
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && h[r].key < h[l].key {
			m = r
		}
		if h[i].key <= h[m].key {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return top.key, top.node
}

// nodeQueue is an indexed binary min-heap of nodes by int32 priority, with
// update in place: the contraction order.
type nodeQueue struct {
	nodes []uint32
	keys  []int32 // by heap position
	pos   []int32 // heap position of each node, -1 when absent
}

func (q *nodeQueue) init(n int) {
	q.pos = make([]int32, n)
	for i := range q.pos {
		q.pos[i] = -1
	}
	q.nodes = make([]uint32, 0, n)
	q.keys = make([]int32, 0, n)
}

func (q *nodeQueue) len() int      { return len(q.nodes) }
func (q *nodeQueue) minKey() int32 { return q.keys[0] }

func (q *nodeQueue) push(v uint32, key int32) {
	q.nodes = append(q.nodes, v)
	q.keys = append(q.keys, key)
	q.pos[v] = int32(len(q.nodes) - 1)
	q.up(len(q.nodes) - 1)
}

func (q *nodeQueue) pop() (uint32, int32) {
	v, k := q.nodes[0], q.keys[0]
	last := len(q.nodes) - 1
	q.swap(0, last)
	q.nodes, q.keys = q.nodes[:last], q.keys[:last]
	q.pos[v] = -1
	q.down(0)
	return v, k
}

// update sets v's priority if v is queued.
func (q *nodeQueue) update(v uint32, key int32) {
	i := q.pos[v]
	if i < 0 {
		return
	}
	old := q.keys[i]
	q.keys[i] = key
	if key < old {
		q.up(int(i))
	} else {
		q.down(int(i))
	}
}

func (q *nodeQueue) swap(i, j int) {
	q.nodes[i], q.nodes[j] = q.nodes[j], q.nodes[i]
	q.keys[i], q.keys[j] = q.keys[j], q.keys[i]
	q.pos[q.nodes[i]], q.pos[q.nodes[j]] = int32(i), int32(j)
}

func (q *nodeQueue) less(i, j int) bool {
	if q.keys[i] != q.keys[j] {
		return q.keys[i] < q.keys[j]
	}
	return q.nodes[i] < q.nodes[j]
}

func (q *nodeQueue) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.swap(i, p)
		i = p
	}
}

func (q *nodeQueue) down(i int) {
	n := len(q.nodes)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.swap(i, m)
		i = m
	}
}
