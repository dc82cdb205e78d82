/* karpwiki: the graph view, drawn from wiki-data.js. On the hub, every page; elsewhere, the page
   and the pages it links to or is linked from. Nodes are links; groups differ in colour and shape.
   The layout is a force simulation (repulsion between nearby nodes via a grid, springs along
   links) with a fixed start, so the same wiki always draws the same picture. */
(function () {
  "use strict";
  var section = document.querySelector(".graph-view");
  var data = window.KW_WIKI;
  if (!section || !data) return;
  var SVG = "http://www.w3.org/2000/svg";
  var WORK = 60000; /* simulation steps × nodes; big wikis get fewer steps, so the hub stays quick */
  var LABEL_LIMIT = 150; /* more nodes than this: names only on hover and focus */

  function chosen() {
    var all = data.pages.map(function (page, i) { return i; });
    if (section.getAttribute("data-scope") !== "page") return { nodes: all, centre: -1 };
    var centre = -1;
    data.pages.forEach(function (page, i) { if (page[0] === kw.page) centre = i; });
    if (centre < 0) return { nodes: [], centre: -1 };
    var nodes = [centre];
    data.links.forEach(function (pair) {
      if (pair[0] === centre) nodes.push(pair[1]);
      else if (pair[1] === centre) nodes.push(pair[0]);
    });
    return { nodes: nodes, centre: centre };
  }

  function layout(nodes, edges, width, height) {
    var k = Math.sqrt((width * height) / nodes.length) * 0.9;
    nodes.forEach(function (node, i) { /* a sunflower spiral: spread out, deterministic */
      var radius = node.current ? 0 : k * Math.sqrt(i + 0.5) * 0.6;
      node.x = width / 2 + radius * Math.cos(i * 2.39996);
      node.y = height / 2 + radius * Math.sin(i * 2.39996);
    });
    var cell = 2 * k;
    var steps = Math.min(300, Math.max(40, Math.round(WORK / nodes.length)));
    var cooling = Math.pow(0.01, 1 / steps);
    for (var step = 0, heat = width / 8; step < steps; step++, heat *= cooling) {
      var grid = {};
      nodes.forEach(function (node) {
        node.dx = (width / 2 - node.x) * 0.02;
        node.dy = (height / 2 - node.y) * 0.02;
        var key = Math.floor(node.x / cell) + "," + Math.floor(node.y / cell);
        (grid[key] = grid[key] || []).push(node);
      });
      nodes.forEach(function (a) {
        var gx = Math.floor(a.x / cell), gy = Math.floor(a.y / cell);
        for (var cx = gx - 1; cx <= gx + 1; cx++) {
          for (var cy = gy - 1; cy <= gy + 1; cy++) {
            (grid[cx + "," + cy] || []).forEach(function (b) {
              if (a === b) return;
              var x = a.x - b.x, y = a.y - b.y, d2 = Math.max(x * x + y * y, 0.01);
              a.dx += (x * k * k) / d2;
              a.dy += (y * k * k) / d2;
            });
          }
        }
      });
      edges.forEach(function (edge) {
        var a = edge[0], b = edge[1], x = a.x - b.x, y = a.y - b.y;
        var pull = Math.sqrt(x * x + y * y) / k;
        a.dx -= x * pull; a.dy -= y * pull;
        b.dx += x * pull; b.dy += y * pull;
      });
      nodes.forEach(function (node) {
        if (node.current) return; /* the page itself stays in the middle of its neighbourhood */
        var length = Math.sqrt(node.dx * node.dx + node.dy * node.dy) || 1;
        var move = Math.min(length, heat);
        node.x += (node.dx / length) * move;
        node.y += (node.dy / length) * move;
      });
    }
  }

  /* Scale into the box; labels run to the right of their node, so the right margin holds one. */
  function fit(nodes, width, height, labelWidth) {
    var xs = nodes.map(function (n) { return n.x; }), ys = nodes.map(function (n) { return n.y; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var left = 16, right = Math.min(labelWidth + 20, width / 3), margin = 20;
    nodes.forEach(function (n) {
      n.x = maxX > minX ? left + ((n.x - minX) / (maxX - minX)) * (width - left - right) : width / 2;
      n.y = maxY > minY ? margin + ((n.y - minY) / (maxY - minY)) * (height - 2 * margin) : height / 2;
    });
  }

  function element(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function legend(groups) {
    var list = document.createElement("ul");
    list.className = "graph-legend";
    groups.forEach(function (title, number) {
      var item = document.createElement("li");
      item.className = "group-" + Math.min(number, 2);
      item.textContent = title;
      list.appendChild(item);
    });
    return list;
  }

  function draw(pick) {
    var canvas = section.querySelector(".graph-canvas");
    var width = Math.max(canvas.clientWidth, 280);
    var height = pick.centre < 0 ? Math.round(Math.min(Math.max(width * 0.7, pick.nodes.length * 18, 360), 640)) : 300;
    var byIndex = {};
    var nodes = pick.nodes.map(function (i) {
      var page = data.pages[i];
      byIndex[i] = { url: page[0], title: page[1], group: page[2], current: i === pick.centre };
      return byIndex[i];
    });
    var edges = data.links
      .filter(function (pair) { return byIndex[pair[0]] && byIndex[pair[1]]; })
      .map(function (pair) { return [byIndex[pair[0]], byIndex[pair[1]]]; });
    var labels = nodes.length <= LABEL_LIMIT;
    var longest = labels ? Math.max.apply(null, nodes.map(function (n) { return n.title.length; })) : 0;
    layout(nodes, edges, width, height);
    fit(nodes, width, height, longest * 7);

    var svg = element("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height });
    svg.setAttribute("aria-labelledby", "kw-graph-title");
    var lines = element("g", { class: "graph-links" }, svg);
    var placed = [];
    edges.forEach(function (edge) {
      var line = element("line", { x1: edge[0].x, y1: edge[0].y, x2: edge[1].x, y2: edge[1].y }, lines);
      if (edge[0].current || edge[1].current) line.setAttribute("class", "centre-link");
      (edge[0].lines = edge[0].lines || []).push(line);
      (edge[1].lines = edge[1].lines || []).push(line);
    });
    nodes.forEach(function (node) {
      var link = element("a", { href: kw.root + node.url, class: "node group-" + Math.min(node.group, 2) }, svg);
      if (node.current) link.setAttribute("aria-current", "page");
      if (!labels) element("title", {}, link).textContent = node.title;
      var size = node.current ? 9 : 6;
      if (node.group === 1) {
        element("rect", { x: node.x - size, y: node.y - size, width: 2 * size, height: 2 * size, rx: 2 }, link);
      } else {
        element("circle", { cx: node.x, cy: node.y, r: size }, link);
      }
      if (labels) {
        var text = element("text", { x: node.x + size + 4, y: node.y + 4 }, link);
        text.textContent = node.title;
        placed.push([text, node, size]);
      }
      /* Pointing at a node (or focusing it) brings its links forward. */
      function light(on) {
        svg.classList.toggle("lit", on);
        (node.lines || []).forEach(function (line) { line.classList.toggle("lit", on); });
      }
      link.addEventListener("mouseenter", function () { light(true); });
      link.addEventListener("mouseleave", function () { light(false); });
      link.addEventListener("focus", function () { light(true); });
      link.addEventListener("blur", function () { light(false); });
    });
    canvas.textContent = "";
    canvas.appendChild(svg);
    canvas.appendChild(legend(data.groups));
    /* A label that would run out of the box goes to the left of its node instead. */
    placed.forEach(function (label) {
      var box = label[0].getBBox();
      if (box.x + box.width > width - 4) {
        label[0].setAttribute("x", label[1].x - label[2] - 4);
        label[0].setAttribute("text-anchor", "end");
      }
    });
  }

  /* Drawn when it comes near the screen, so a big map never delays reading the page. */
  var pick = chosen();
  if (pick.nodes.length < 2) return;
  section.hidden = false;
  if (!("IntersectionObserver" in window)) return draw(pick);
  var observer = new IntersectionObserver(function (entries) {
    if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
    observer.disconnect();
    draw(pick);
  }, { rootMargin: "300px" });
  observer.observe(section);
})();
