  // Generator `{{ g.prefix }}`: {{ g.description }}, {{ g.width }} bits.
{%- if g.lfsr %}
  // Fibonacci LFSR, XOR feedback from taps {{ g.tap_list }} ({{ g.tap_origin }});
  // rand is the state itself (never zero).
  wire [{{ g.width - 1 }}:0] {{ g.prefix }}_state_next;
  wire [{{ g.width - 1 }}:0] {{ g.prefix }}_rand;

  assign {{ g.prefix }}_state_next = { {{ g.prefix }}_state_q[{{ g.width - 2 }}:0], ^({{ g.prefix }}_state_q & {{ g.taps }}) };
  assign {{ g.prefix }}_rand       = {{ g.prefix }}_state_q;
{%- else %}
  // Sobol: the state is the index counter (natural order); rand is the XOR of
  // the direction numbers of the index bits that are set.
  wire [{{ g.width - 1 }}:0] {{ g.prefix }}_state_next;
  wire [{{ g.width - 1 }}:0] {{ g.prefix }}_rand;

  assign {{ g.prefix }}_state_next = {{ g.prefix }}_state_q + {{ g.one }};
  assign {{ g.prefix }}_rand       =
{%- for (bit, direction) in g.directions %}
    {% if loop.first %} {% else %}^{% endif %} ({{ g.prefix }}_state_q[{{ bit }}] ? {{ direction }} : {{ g.zero }}){% if loop.last %};{% endif %}
{%- endfor %}
{%- endif %}
